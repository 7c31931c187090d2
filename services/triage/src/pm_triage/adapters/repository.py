"""Mongo state of triage: one record per complaint (with outbox), answers, supervisor reviews.

Writers never read-modify-write one document concurrently (FerretDB would lose updates): a triage
record is inserted once; answers and reviews are their own documents under unique keys.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pm_common import topics
from pm_common.events import Envelope
from pm_common.mongo import IndexModel, Mongo, insert_once, new_with_outbox
from pm_triage.adapters.config_repository import POLICIES
from pm_triage.domain.duplicates import EarlierItem
from pm_triage.domain.sla import SlaPolicy

TRIAGES = "triages"
REVIEWS = "reviews"
ANSWERS = "answers"
_HIDE = {"outbox": 0, "outbox_pending": 0}


class MongoTriageRepository:
    def __init__(self, mongo: Mongo) -> None:
        self.triages = mongo.collection(TRIAGES)
        self.reviews = mongo.collection(REVIEWS)
        self.answers = mongo.collection(ANSWERS)
        self.policies = mongo.collection(POLICIES)

    @staticmethod
    async def create_indexes(mongo: Mongo) -> None:
        await mongo.collection(TRIAGES).create_indexes(
            [
                IndexModel([("estate_id", 1), ("triaged_at", -1)]),
                IndexModel([("household", 1), ("received_at", -1)]),
                IndexModel([("fault_key", 1), ("received_at", 1)]),
                IndexModel([("decision", 1), ("estate_id", 1)]),
                IndexModel([("awaiting_review", 1), ("estate_id", 1)], sparse=True),
                IndexModel([("outbox_pending", 1)]),
            ]
        )
        await mongo.collection(REVIEWS).create_indexes(
            [IndexModel([("estate_id", 1), ("reviewed_at", -1)]), IndexModel([("outbox_pending", 1)])]
        )

    async def policy(self, estate_id: str) -> SlaPolicy:
        doc = await self.policies.find_one({"_id": estate_id})
        return SlaPolicy.model_validate((doc or {}).get("policy") or {})

    async def add_once(self, document: dict[str, Any], event: Envelope | None) -> bool:
        """One record per complaint; with its ``complaint.triaged`` in the outbox unless ``event`` is None."""
        if event is None:
            return await insert_once(self.triages, document)
        return await insert_once(self.triages, new_with_outbox(document, (topics.COMPLAINT_TRIAGED, event)))

    async def get(self, complaint_id: str) -> dict[str, Any] | None:
        return await self.triages.find_one({"_id": complaint_id}, _HIDE)

    async def household_history(
        self, household: str, since: datetime, before: datetime, exclude: str
    ) -> list[EarlierItem]:
        query = {"household": household, "received_at": {"$gte": since, "$lte": before}, "_id": {"$ne": exclude}}
        docs = [
            d async for d in self.triages.find(query, {"content": 1, "result": 1}).sort("received_at", -1).limit(20)
        ]
        ids = [d["_id"] for d in docs]
        answered = {d["_id"] async for d in self.answers.find({"_id": {"$in": ids}}, {"_id": 1})}
        reviewed = {d["_id"]: d["after"] async for d in self.reviews.find({"_id": {"$in": ids}}, {"after": 1})}
        items = []
        for doc in docs:
            final = reviewed.get(doc["_id"]) or doc["result"]
            refused = final["decision"] == "rejected"
            items.append(EarlierItem(doc["_id"], doc["content"], final["category"], doc["_id"] in answered or refused))
        return items

    async def first_same_fault(
        self, key: str, since: datetime, before: datetime, household: str | None, exclude: str
    ) -> str | None:
        query = {
            "fault_key": key,
            "received_at": {"$gte": since, "$lte": before},
            "decision": {"$ne": "rejected"},
            "_id": {"$ne": exclude},
        }
        async for doc in self.triages.find(query, {"household": 1}).sort("received_at", 1).limit(50):
            if household is None or doc.get("household") != household:
                return str(doc["_id"])
        return None

    async def record_answer(self, complaint_id: str, at: datetime, cause_event_id: str) -> bool:
        return await insert_once(
            self.answers, {"_id": complaint_id, "answered_at": at, "cause_event_id": cause_event_id}
        )

    # --- supervisor reviews -------------------------------------------------------------------------

    async def review(self, complaint_id: str) -> dict[str, Any] | None:
        return await self.reviews.find_one({"_id": complaint_id}, _HIDE)

    async def add_review_once(self, document: dict[str, Any], event: Envelope) -> bool:
        return await insert_once(self.reviews, new_with_outbox(document, (topics.COMPLAINT_TRIAGED, event)))

    async def pending_reviews(
        self, estates: tuple[str, ...], estate_id: str | None, limit: int
    ) -> list[dict[str, Any]]:
        query: dict[str, Any] = {"$or": [{"decision": "needs_review"}, {"awaiting_review": True}]}
        if estate_id:
            query["estate_id"] = estate_id
        elif "*" not in estates:
            query["estate_id"] = {"$in": list(estates)}
        docs = [d async for d in self.triages.find(query, _HIDE).sort("triaged_at", 1).limit(1000)]
        done = {d["_id"] async for d in self.reviews.find({"_id": {"$in": [d["_id"] for d in docs]}}, {"_id": 1})}
        return [d for d in docs if d["_id"] not in done][:limit]

    async def review_history(self, estates: tuple[str, ...], estate_id: str | None, limit: int) -> list[dict[str, Any]]:
        query: dict[str, Any] = {}
        if estate_id:
            query["estate_id"] = estate_id
        elif "*" not in estates:
            query["estate_id"] = {"$in": list(estates)}
        cursor = self.reviews.find(query, {**_HIDE, "result": 0}).sort("reviewed_at", -1).limit(limit)
        return [doc async for doc in cursor]

    async def reviewed_texts(self, estate_id: str | None = None) -> list[tuple[dict[str, Any], str]]:
        """Every recorded review with the complaint's text (the labels for retraining)."""
        query: dict[str, Any] = {"estate_id": estate_id} if estate_id else {}
        pairs: list[tuple[dict[str, Any], str]] = []
        async for review in self.reviews.find(query, {**_HIDE, "result": 0}).sort("reviewed_at", 1):
            triage = await self.triages.find_one({"_id": review["_id"]}, {"content": 1}) or {}
            pairs.append((review, str(triage.get("content") or "")))
        return pairs
