"""Mongo repository of the register: complaints (with outbox), per-estate day counters, estates.

Personal data lives in the ``pii`` field of each complaint and is excluded from every read except
``personal_data`` (used only by the audited reveal).
"""

from __future__ import annotations

import re
from typing import Any

from pm_common.mongo import DuplicateKeyError, IndexModel, Mongo, new_with_outbox, with_outbox
from pm_intake.adapters.stores import ensure_indexes
from pm_intake.domain.ledger import LedgerQuery
from pm_intake.service_layer.ports import AlreadyExists, Event

COMPLAINTS = "complaints"
_HIDE = {"outbox": 0, "outbox_pending": 0, "pii": 0}


class MongoComplaintRepository:
    def __init__(self, mongo: Mongo) -> None:
        self.complaints = mongo.collection(COMPLAINTS)
        self.claims = mongo.collection("reference_claims")
        self.estates = mongo.collection("estates")

    @staticmethod
    async def create_indexes(mongo: Mongo) -> None:
        await ensure_indexes(
            mongo.collection(COMPLAINTS),
            [
                IndexModel([("reference_no", 1)], unique=True, sparse=True),  # drafts have none yet
                IndexModel([("estate_id", 1), ("received_at", -1)]),
                IndexModel([("outbox_pending", 1)]),
                IndexModel([("owner_key", 1)]),
                IndexModel([("tracking_hash", 1)]),
            ],
        )
        await ensure_indexes(mongo.collection("reference_claims"), [IndexModel([("scope", 1), ("n", -1)])])

    async def estate(self, estate_id: str) -> dict[str, Any] | None:
        return await self.estates.find_one({"_id": estate_id})

    async def upsert_estate(self, estate: dict[str, Any]) -> None:
        await self.estates.update_one({"_id": estate["_id"]}, {"$set": estate}, upsert=True)

    async def next_sequence(self, estate_id: str, day: str) -> int:
        """The next number of the estate's day. Each number is claimed by inserting a document with a
        unique id, which is atomic on MongoDB and FerretDB alike (FerretDB 1.x loses concurrent ``$inc``)."""
        scope = f"{estate_id}:{day}"
        for _ in range(10_000):
            last = await self.claims.find_one({"scope": scope}, {"n": 1}, sort=[("n", -1)])
            number = int(last["n"]) + 1 if last else 1
            try:
                await self.claims.insert_one({"_id": f"{scope}:{number:06d}", "scope": scope, "n": number})
                return number
            except DuplicateKeyError:
                continue  # someone else took it: look again
        raise RuntimeError(f"could not claim a reference number for {scope}")

    async def insert(self, document: dict[str, Any], events: list[Event]) -> None:
        try:
            await self.complaints.insert_one(new_with_outbox(document, *events) if events else document)
        except DuplicateKeyError as exc:
            raise AlreadyExists(document["_id"]) from exc

    async def get(self, complaint_id: str) -> dict[str, Any] | None:
        return await self.complaints.find_one({"_id": complaint_id}, _HIDE)

    async def personal_data(self, complaint_id: str) -> dict[str, Any] | None:
        doc = await self.complaints.find_one({"_id": complaint_id}, {"pii": 1})
        return (doc or {}).get("pii")

    async def update(
        self, complaint_id: str, expected_status: str, update: dict[str, Any], events: list[Event]
    ) -> bool:
        merged = with_outbox(update, *events) if events else update
        result = await self.complaints.update_one({"_id": complaint_id, "status": expected_status}, merged)
        return result.modified_count == 1

    async def apply_downstream(
        self, complaint_id: str, event_id: str, expected_status: str, update: dict[str, Any]
    ) -> bool:
        merged = {op: dict(fields) for op, fields in update.items()}
        merged.setdefault("$push", {})["processed_events"] = event_id
        result = await self.complaints.update_one(
            {"_id": complaint_id, "status": expected_status, "processed_events": {"$ne": event_id}}, merged
        )
        return result.modified_count == 1

    async def for_owner(self, field: str, value: str) -> list[dict[str, Any]]:
        assert field in ("owner_key", "tracking_hash")
        cursor = self.complaints.find({field: value}, _HIDE).sort([("received_at", -1)]).limit(200)
        return [doc async for doc in cursor]

    async def search(self, query: LedgerQuery) -> tuple[list[dict[str, Any]], int]:
        where: dict[str, Any] = {}
        if query.estates is not None:
            where["estate_id"] = {"$in": list(query.estates)}
        if query.status:
            where["status"] = query.status
        if query.channel:
            where["channel"] = query.channel
        if query.date_from or query.date_to:
            where["received_at"] = {
                **({"$gte": query.date_from} if query.date_from else {}),
                **({"$lt": query.date_to} if query.date_to else {}),
            }
        if query.recorder_id:
            where["recorder_id"] = query.recorder_id
        if query.ids is not None:
            where["_id"] = {"$in": list(query.ids)}
        if query.text:
            where["registration.content"] = {"$regex": re.escape(query.text), "$options": "i"}
        total = await self.complaints.count_documents(where)
        cursor = (
            self.complaints.find(where, {**_HIDE, "timeline": 0, "processed_events": 0})
            .sort([("received_at", -1), ("_id", 1)])
            .skip((query.page - 1) * query.page_size)
            .limit(query.page_size)
        )
        return [doc async for doc in cursor], total
