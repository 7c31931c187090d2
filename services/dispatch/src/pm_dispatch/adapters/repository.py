"""Mongo state of dispatch: task sheets with their outbox.

Tasks are written by the consumers and by the API, possibly in different replicas, so every change
of a task is a versioned save (``pm_common.versioned``): correct across processes on FerretDB too.
"""

from __future__ import annotations

from typing import Any

from pm_common import topics
from pm_common.events import Envelope
from pm_common.mongo import IndexModel, Mongo, insert_once, new_with_outbox, with_outbox
from pm_common.versioned import VersionedCollection

TASKS = "tasks"
CLOSED = ("done", "withdrawn")
INCIDENT_SHEETS = "incident_sheets"


class MongoTaskRepository:
    def __init__(self, mongo: Mongo) -> None:
        self.tasks = mongo.collection(TASKS)
        self.versioned = VersionedCollection(self.tasks)
        self.sheets = mongo.collection(INCIDENT_SHEETS)

    @staticmethod
    async def create_indexes(mongo: Mongo) -> None:
        await mongo.collection(TASKS).create_indexes(
            [
                IndexModel([("complaint_id", 1)]),
                IndexModel([("estate_id", 1), ("status", 1), ("due_at", 1)]),
                IndexModel([("outbox_pending", 1)]),
            ]
        )

    async def add_once(self, document: dict[str, Any], event: Envelope) -> bool:
        return await insert_once(self.tasks, new_with_outbox({**document, "version": 0}, (topics.TASK_ASSIGNED, event)))

    async def get(self, task_id: str) -> dict[str, Any] | None:
        return await self.tasks.find_one({"_id": task_id}, {"outbox": 0, "outbox_pending": 0})

    async def complete(self, task_id: str, update: dict[str, Any], event: Envelope) -> bool:
        return await self._close(task_id, update, (topics.TASK_COMPLETED, event))

    async def withdraw(self, task_id: str, update: dict[str, Any], event: Envelope) -> bool:
        """An open task becomes ``withdrawn`` and announces ``task.cancelled``, in one write."""
        return await self._close(task_id, update, (topics.TASK_CANCELLED, event))

    async def _close(self, task_id: str, update: dict[str, Any], event: tuple[str, Envelope]) -> bool:
        """Apply ``update`` (+ its event) unless the task is already done or withdrawn."""

        def decide(task: dict[str, Any]) -> dict[str, Any] | None:
            return None if task.get("status") in CLOSED else with_outbox(update, event)

        return await self.versioned.mutate(task_id, decide) is not None

    async def tombstone_once(self, document: dict[str, Any]) -> bool:
        """Withdrawn before its task existed: this record keeps a later triage from creating one."""
        return await insert_once(self.tasks, document)

    async def list(self, estates: tuple[str, ...], status: str | None, limit: int) -> list[dict[str, Any]]:
        query: dict[str, Any] = {} if "*" in estates else {"estate_id": {"$in": list(estates)}}
        if status:
            query["status"] = status
        cursor = self.tasks.find(query, {"outbox": 0, "outbox_pending": 0}).sort("due_at", 1).limit(limit)
        return [doc async for doc in cursor]

    # --- group incidents (群诉): one coordination sheet per incident, written only by the consumer ---

    async def open_sheet_once(self, document: dict[str, Any]) -> bool:
        return await insert_once(self.sheets, document)

    async def close_sheet(self, incident_id: str, fields: dict[str, Any]) -> None:
        await self.sheets.update_one({"_id": incident_id}, {"$set": fields}, upsert=True)

    async def sheet(self, incident_id: str) -> dict[str, Any] | None:
        return await self.sheets.find_one({"_id": incident_id})
