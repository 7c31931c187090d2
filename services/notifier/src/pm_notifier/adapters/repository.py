"""Mongo store of deliveries (one document per event × recipient × slot, with the attempt log and the
``feedback.sent`` outbox entry) and the per-complaint list of delivery ids.

Every read and write addresses one ``_id`` (the only filter FerretDB 1.24 pushes down): the status
guard of a transition is checked on the document by pm_common's collection wrapper; the list of a
complaint's deliveries is an append-only index log (``c|<complaint id>``), never a scan.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pm_common import topics
from pm_common.events import Envelope
from pm_common.index_log import IndexLog
from pm_common.mongo import IndexModel, Mongo, insert_once, with_outbox

DELIVERIES = "notifications"  # one document per delivery (the name readers of earlier releases know)
INDEX = "delivery_index"
PROVIDER_IDS = "provider_message_ids"
_HIDE = {"outbox": 0, "outbox_pending": 0}


class MongoDeliveryStore:
    def __init__(self, mongo: Mongo) -> None:
        self.deliveries = mongo.collection(DELIVERIES)
        self.index = IndexLog(mongo.collection(INDEX))
        self.provider_ids = mongo.collection(PROVIDER_IDS)

    @staticmethod
    async def create_indexes(mongo: Mongo) -> None:
        await mongo.collection(DELIVERIES).create_indexes([IndexModel([("outbox_pending", 1)])])

    async def create(self, document: dict[str, Any]) -> dict[str, Any]:
        inserted = await insert_once(self.deliveries, {**document, "indexed": False})
        stored = await self.get(document["_id"])
        assert stored is not None
        if inserted or not stored.get("indexed"):  # a crash between the two writes is repaired here
            if stored.get("complaint_id"):
                await self.index.append(f"c|{stored['complaint_id']}", [stored["_id"]])
            await self.deliveries.update_one({"_id": stored["_id"]}, {"$set": {"indexed": True}})
        return stored

    async def get(self, delivery_id: str) -> dict[str, Any] | None:
        doc: dict[str, Any] | None = await self.deliveries.find_one({"_id": delivery_id}, _HIDE)
        return doc

    async def add_attempts(self, delivery_id: str, attempts: list[dict[str, Any]]) -> None:
        await self.deliveries.update_one({"_id": delivery_id}, {"$push": {"attempts": {"$each": attempts}}})

    async def defer(self, delivery_id: str, until: datetime) -> None:
        await self.deliveries.update_one({"_id": delivery_id}, {"$set": {"not_before": until}})

    async def transition(
        self, delivery_id: str, expected: str, status: str, fields: dict[str, Any], event: Envelope | None
    ) -> bool:
        update: dict[str, Any] = {"$set": {**fields, "status": status}}
        if event is not None:
            update = with_outbox(update, (topics.FEEDBACK_SENT, event))
        result = await self.deliveries.update_one({"_id": delivery_id, "status": expected}, update)
        return bool(result.modified_count)

    async def for_complaint(self, complaint_id: str) -> list[dict[str, Any]]:
        ids: list[str] = []
        for _, entries in await self.index.tail(f"c|{complaint_id}", 0):
            ids.extend(e for e in entries if e not in ids)
        docs = [await self.get(i) for i in ids]
        found = [d for d in docs if d is not None]
        return sorted(found, key=lambda d: d["created_at"])

    async def remember_provider_id(self, provider_id: str, delivery_id: str) -> None:
        await self.provider_ids.update_one({"_id": provider_id}, {"$set": {"delivery_id": delivery_id}}, upsert=True)

    async def by_provider_id(self, provider_id: str) -> dict[str, Any] | None:
        ref = await self.provider_ids.find_one({"_id": provider_id})
        return await self.get(ref["delivery_id"]) if ref else None
