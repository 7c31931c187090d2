"""Mongo repository of the register: complaints (with outbox), per-estate day counters, estates."""

from __future__ import annotations

from typing import Any

from pm_common import topics
from pm_common.events import Envelope
from pm_common.mongo import IndexModel, Mongo, ReturnDocument, new_with_outbox

COMPLAINTS = "complaints"


class MongoComplaintRepository:
    def __init__(self, mongo: Mongo) -> None:
        self.complaints = mongo.collection(COMPLAINTS)
        self.counters = mongo.collection("counters")
        self.estates = mongo.collection("estates")

    @staticmethod
    async def create_indexes(mongo: Mongo) -> None:
        await mongo.collection(COMPLAINTS).create_indexes(
            [
                IndexModel([("reference_no", 1)], unique=True),
                IndexModel([("estate_id", 1), ("received_at", -1)]),
                IndexModel([("outbox_pending", 1)]),
            ]
        )

    async def estate(self, estate_id: str) -> dict[str, Any] | None:
        return await self.estates.find_one({"_id": estate_id})

    async def upsert_estate(self, estate: dict[str, Any]) -> None:
        await self.estates.update_one({"_id": estate["_id"]}, {"$set": estate}, upsert=True)

    async def next_sequence(self, estate_id: str, day: str) -> int:
        doc = await self.counters.find_one_and_update(
            {"_id": f"{estate_id}:{day}"}, {"$inc": {"seq": 1}}, upsert=True, return_document=ReturnDocument.AFTER
        )
        return int(doc["seq"])

    async def add(self, document: dict[str, Any], event: Envelope) -> None:
        await self.complaints.insert_one(new_with_outbox(document, (topics.COMPLAINT_RECEIVED, event)))

    async def get(self, complaint_id: str) -> dict[str, Any] | None:
        return await self.complaints.find_one({"_id": complaint_id}, {"outbox": 0, "outbox_pending": 0})

    async def apply_downstream(self, complaint_id: str, event_id: str, update: dict[str, Any]) -> bool:
        merged = {op: dict(fields) for op, fields in update.items()}
        merged.setdefault("$push", {})["processed_events"] = event_id
        result = await self.complaints.update_one({"_id": complaint_id, "processed_events": {"$ne": event_id}}, merged)
        return result.modified_count == 1
