"""Mongo state of the SLA monitor: one timer per task (with outbox)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pm_common import topics
from pm_common.events import Envelope
from pm_common.mongo import IndexModel, Mongo, insert_once, with_outbox

TIMERS = "timers"


class MongoTimerRepository:
    def __init__(self, mongo: Mongo) -> None:
        self.timers = mongo.collection(TIMERS)

    @staticmethod
    async def create_indexes(mongo: Mongo) -> None:
        await mongo.collection(TIMERS).create_indexes(
            [
                IndexModel([("state", 1), ("next_at", 1)]),
                IndexModel([("outbox_pending", 1)]),
            ]
        )

    async def arm_once(self, document: dict[str, Any]) -> bool:
        return await insert_once(self.timers, document)

    async def stop(self, task_id: str, base: dict[str, Any], now: datetime) -> None:
        await self.timers.update_one(
            {"_id": task_id},
            {"$set": {"state": "stopped", "stopped_at": now}, "$setOnInsert": {**base, "level": 0}},
            upsert=True,
        )

    async def due(self, now: datetime, limit: int) -> list[dict[str, Any]]:
        cursor = self.timers.find({"state": "armed", "next_at": {"$lte": now}}, {"outbox": 0}).limit(limit)
        return [doc async for doc in cursor]

    async def escalate(self, task_id: str, from_level: int, update: dict[str, Any], event: Envelope) -> bool:
        result = await self.timers.update_one(
            {"_id": task_id, "state": "armed", "level": from_level}, with_outbox(update, (topics.TASK_OVERDUE, event))
        )
        return result.modified_count == 1

    async def get(self, task_id: str) -> dict[str, Any] | None:
        return await self.timers.find_one({"_id": task_id}, {"outbox": 0})
