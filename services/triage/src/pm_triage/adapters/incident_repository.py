"""Mongo state of group incidents, insert-only (safe with FerretDB's unlocked updates):

- ``incidents``: one document per declared incident (deterministic id) carrying the outbox entry
  of ``incident.declared``;
- ``incident_children``: one document per linked complaint (``<incident>:<complaint>``);
- ``incident_decisions``: at most one per incident (resolved / dismissed), carrying ``incident.resolved``;
- ``incident_confirmations``: a supervisor confirmed it is a real 群诉.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pm_common import topics
from pm_common.events import Envelope
from pm_common.mongo import IndexModel, Mongo, insert_once, new_with_outbox

INCIDENTS = "incidents"
CHILDREN = "incident_children"
DECISIONS = "incident_decisions"
CONFIRMATIONS = "incident_confirmations"
_HIDE = {"outbox": 0, "outbox_pending": 0}


class MongoIncidentRepository:
    def __init__(self, mongo: Mongo) -> None:
        self.incidents = mongo.collection(INCIDENTS)
        self.children_ = mongo.collection(CHILDREN)
        self.decisions = mongo.collection(DECISIONS)
        self.confirmations = mongo.collection(CONFIRMATIONS)

    @staticmethod
    async def create_indexes(mongo: Mongo) -> None:
        await mongo.collection(INCIDENTS).create_indexes(
            [
                IndexModel([("fault_key", 1), ("declared_at", -1)]),
                IndexModel([("estate_id", 1), ("declared_at", -1)]),
                IndexModel([("outbox_pending", 1)]),
            ]
        )
        await mongo.collection(CHILDREN).create_indexes(
            [IndexModel([("incident_id", 1), ("linked_at", 1)]), IndexModel([("complaint_id", 1)])]
        )
        await mongo.collection(DECISIONS).create_indexes([IndexModel([("outbox_pending", 1)])])

    async def open_incident(self, key: str) -> dict[str, Any] | None:
        cursor = self.incidents.find({"fault_key": key}, _HIDE).sort("declared_at", -1).limit(5)
        async for doc in cursor:
            if await self.decisions.find_one({"_id": doc["_id"]}, {"_id": 1}) is None:
                return doc
        return None

    async def linked(self, complaint_ids: list[str]) -> set[str]:
        cursor = self.children_.find({"complaint_id": {"$in": complaint_ids}}, {"complaint_id": 1})
        return {doc["complaint_id"] async for doc in cursor}

    async def declare_once(self, document: dict[str, Any], event: Envelope) -> bool:
        return await insert_once(self.incidents, new_with_outbox(document, (topics.INCIDENT_DECLARED, event)))

    async def link(self, incident: str, key: str, complaint_ids: tuple[str, ...], at: datetime) -> int:
        added = 0
        for complaint_id in complaint_ids:
            child = {"_id": f"{incident}:{complaint_id}", "incident_id": incident, "complaint_id": complaint_id}
            added += await insert_once(self.children_, {**child, "fault_key": key, "linked_at": at})
        return added

    async def get(self, incident: str) -> dict[str, Any] | None:
        return await self.incidents.find_one({"_id": incident}, _HIDE)

    async def children(self, incident: str) -> list[str]:
        cursor = self.children_.find({"incident_id": incident}, {"complaint_id": 1}).sort("linked_at", 1)
        return [doc["complaint_id"] async for doc in cursor]

    async def incident_of(self, complaint_id: str) -> str | None:
        doc = await self.children_.find_one({"complaint_id": complaint_id}, {"incident_id": 1})
        return str(doc["incident_id"]) if doc else None

    async def decision(self, incident: str) -> dict[str, Any] | None:
        return await self.decisions.find_one({"_id": incident}, _HIDE)

    async def decide_once(self, document: dict[str, Any], event: Envelope | None) -> bool:
        stored = new_with_outbox(document, (topics.INCIDENT_RESOLVED, event)) if event else document
        return await insert_once(self.decisions, stored)

    async def confirm_once(self, document: dict[str, Any]) -> bool:
        return await insert_once(self.confirmations, document)

    async def confirmation(self, incident: str) -> dict[str, Any] | None:
        return await self.confirmations.find_one({"_id": incident})

    async def list(self, estates: tuple[str, ...], estate_id: str | None, limit: int) -> list[dict[str, Any]]:
        query: dict[str, Any] = {}
        if estate_id:
            query["estate_id"] = estate_id
        elif "*" not in estates:
            query["estate_id"] = {"$in": list(estates)}
        return [d async for d in self.incidents.find(query, _HIDE).sort("declared_at", -1).limit(limit)]
