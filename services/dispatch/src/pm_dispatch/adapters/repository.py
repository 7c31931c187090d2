"""Mongo state of dispatch: one document per task, carrying its outbox.

Tasks are written by the consumers and by the API, possibly in different replicas, so every save is
versioned (``pm_common.versioned``): correct across processes on FerretDB too. The task's events go
in the same single-document write. After a save the task's ledger row is appended to the ledger
index (a derived, keyed log: see ``ledger_index``).
"""

from __future__ import annotations

from typing import Any

from pm_common.events import Envelope
from pm_common.mongo import IndexModel, Mongo, insert_once, new_with_outbox, with_outbox
from pm_common.versioned import VersionedCollection
from pm_dispatch.adapters.ledger_index import LedgerIndex
from pm_dispatch.domain.ledger import row_of
from pm_dispatch.domain.task import Task

TASKS = "tasks"
HIDE = {"outbox": 0, "outbox_pending": 0}


class MongoTaskRepository:
    def __init__(self, mongo: Mongo, ledger: LedgerIndex | None = None) -> None:
        self.tasks = mongo.collection(TASKS)
        self.versioned = VersionedCollection(self.tasks)
        self.ledger = ledger or LedgerIndex(mongo)

    @staticmethod
    async def create_indexes(mongo: Mongo) -> None:
        await mongo.collection(TASKS).create_indexes([IndexModel([("outbox_pending", 1)])])

    async def get(self, task_id: str) -> Task | None:
        doc = await self.tasks.find_one({"_id": task_id}, HIDE)
        return Task.from_document(doc) if doc else None

    async def add(self, task: Task, cause: Envelope | None = None) -> bool:
        doc = {**task.to_document(), "version": 0}
        if not await insert_once(self.tasks, new_with_outbox(doc, *task.envelopes(cause))):
            return False
        task.version = 0
        task.pending.clear()
        await self.ledger.record(row_of(task))
        return True

    async def save(self, task: Task, cause: Envelope | None = None) -> bool:
        fields: dict[str, Any] = task.to_document()
        for key in ("_id", "version"):
            fields.pop(key, None)
        update = with_outbox({"$set": fields}, *task.envelopes(cause))
        if not await self.versioned.save(task.id, task.version, update):
            return False
        task.version += 1
        task.pending.clear()
        await self.ledger.record(row_of(task))
        return True

    async def raw(self, task_id: str) -> dict[str, Any] | None:
        """The stored document with its outbox (tests, operations)."""
        doc: dict[str, Any] | None = await self.tasks.find_one({"_id": task_id})
        return doc
