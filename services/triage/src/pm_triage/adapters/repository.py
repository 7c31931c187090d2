"""Mongo state of triage: one record per complaint (with outbox), estate SLA policies."""

from __future__ import annotations

from typing import Any

from pm_common import topics
from pm_common.events import Envelope
from pm_common.mongo import IndexModel, Mongo, insert_once, new_with_outbox

from pm_triage.domain.sla import SlaPolicy

TRIAGES = "triages"


class MongoTriageRepository:
    def __init__(self, mongo: Mongo) -> None:
        self.triages = mongo.collection(TRIAGES)
        self.policies = mongo.collection("policies")

    @staticmethod
    async def create_indexes(mongo: Mongo) -> None:
        await mongo.collection(TRIAGES).create_indexes(
            [
                IndexModel([("estate_id", 1), ("triaged_at", -1)]),
                IndexModel([("outbox_pending", 1)]),
            ]
        )

    async def policy(self, estate_id: str) -> SlaPolicy:
        doc = await self.policies.find_one({"_id": estate_id})
        return SlaPolicy.model_validate({k: v for k, v in (doc or {}).items() if k != "_id"})

    async def add_once(self, document: dict[str, Any], event: Envelope) -> bool:
        return await insert_once(self.triages, new_with_outbox(document, (topics.COMPLAINT_TRIAGED, event)))

    async def get(self, complaint_id: str) -> dict[str, Any] | None:
        return await self.triages.find_one({"_id": complaint_id}, {"outbox": 0})
