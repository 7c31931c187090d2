"""Mongo state of the SLA monitor, shaped for FerretDB 1.24 (SQLite) as much as for MongoDB 7.

FerretDB pushes down only ``_id`` equality in ``find``; ``update``/``delete`` are never pushed down
and scan the whole collection (measured: 30 updates/s on 10k documents; ``docs/data-path.md``).
So the hot path here is inserts (unique ``_id``) and reads by ``_id``, and the only collections
that are scanned, updated or deleted from are kept small (O(pending)):

- ``timers``          one per task, inserted when armed; never updated (history; the API reads it)
- ``timer_stops``     one per stopped task (completed / cancelled), inserted; read by ``_id``
- ``armed``           pointers to the armed timers (``p`` = partition), deleted when a timer stops:
                      the start-up / assignment load scans only this, O(pending)
- ``firings``         one claim per timer × level (``_id`` = ``<task id>:<level>``): the unique key
                      that makes every emission happen once, across restarts and instances
- ``firing_intents``  a batch about to be claimed (crash recovery); deleted once its events are written
- ``overdue_outbox``  one document per batch carrying all of its ``task.overdue`` events in its outbox
                      (``new_with_outbox``); deleted once the relay has published it
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

from pymongo.errors import BulkWriteError

from pm_common import topics
from pm_common.events import Envelope
from pm_common.mongo import DuplicateKeyError, IndexModel, Mongo, insert_once, new_with_outbox
from pm_sla_monitor.domain.escalation import TOP_LEVEL
from pm_sla_monitor.domain.timer import Timer, firing_key

TIMERS = "timers"
STOPS = "timer_stops"
ARMED = "armed"
FIRINGS = "firings"
INTENTS = "firing_intents"
OVERDUE_OUTBOX = "overdue_outbox"
_DUPLICATE_KEY = 11000


class MongoTimerStore:
    def __init__(self, mongo: Mongo, *, read_concurrency: int = 16) -> None:
        self.timers = mongo.collection(TIMERS)
        self.stops = mongo.collection(STOPS)
        self.armed = mongo.collection(ARMED)
        self.firings = mongo.collection(FIRINGS)
        self.intents = mongo.collection(INTENTS)
        self.outbox = mongo.collection(OVERDUE_OUTBOX)
        self._reads = asyncio.Semaphore(read_concurrency)
        self._unswept: set[str] = set()

    @staticmethod
    async def create_indexes(mongo: Mongo) -> None:
        # Used by MongoDB 7 (FerretDB keeps them but scans anyway): the load by partition, the relay's poll.
        await mongo.collection(ARMED).create_indexes([IndexModel([("p", 1)])])
        await mongo.collection(OVERDUE_OUTBOX).create_indexes([IndexModel([("outbox_pending", 1)])])

    # -- arming and stopping ------------------------------------------------------------------
    async def arm(self, timer: Timer, armed_at: datetime) -> bool:
        """Store the timer and its pointer; ``False`` when the task was already stopped.

        Idempotent (redelivery, or a crash between the two inserts). Against a concurrent ``stop``
        (which inserts the stop, then deletes the pointer) the re-check after inserting the pointer
        leaves no pointer behind for a stopped task."""
        await insert_once(
            self.timers,
            {
                "_id": timer.task_id,
                "complaint_id": timer.complaint_id,
                "estate_id": timer.estate_id,
                "due_at": timer.due_at,
                "partition": timer.partition,
                "armed_at": armed_at,
            },
        )
        if await self.is_stopped(timer.task_id):
            return False
        await insert_once(self.armed, _pointer(timer))
        if await self.is_stopped(timer.task_id):
            await self.armed.delete_one({"_id": timer.task_id})
            return False
        return True

    async def stop(self, task_id: str, stop: dict[str, Any]) -> None:
        await insert_once(self.stops, {"_id": task_id, **stop})
        await self.armed.delete_one({"_id": task_id})

    async def is_stopped(self, task_id: str) -> bool:
        async with self._reads:
            return await self.stops.find_one({"_id": task_id}, {"_id": 1}) is not None

    async def stopped_among(self, task_ids: list[str]) -> set[str]:
        found = await asyncio.gather(*(self.is_stopped(t) for t in task_ids))
        return {t for t, stopped in zip(task_ids, found, strict=True) if stopped}

    async def load(self, partitions: set[int], batch_size: int = 1000) -> AsyncIterator[Timer]:
        """Every armed timer of ``partitions``: one scan of the pointers (O(pending))."""
        cursor = self.armed.find({"p": {"$in": sorted(partitions)}}, batch_size=batch_size)
        async for doc in cursor:
            yield Timer(doc["_id"], doc["c"], doc["e"], doc["d"], doc["p"])

    async def bulk_arm(self, timers: list[Timer], armed_at: datetime) -> None:
        """The documented bulk path (seeding, benchmarks): timers and pointers in two ``insert_many``."""
        if not timers:
            return
        docs = [
            {"_id": t.task_id, "complaint_id": t.complaint_id, "estate_id": t.estate_id, "due_at": t.due_at}
            | {"partition": t.partition, "armed_at": armed_at}
            for t in timers
        ]
        await self.timers.insert_many(docs, ordered=False)
        await self.armed.insert_many([_pointer(t) for t in timers], ordered=False)

    # -- firing -------------------------------------------------------------------------------
    async def fire(self, partition: int, firings: list[tuple[str, Envelope]]) -> int:
        """Emit each ``(firing key, event)`` unless its key was ever fired; returns how many were new.

        Steps: write the intent, claim the keys (one ``insert_many``: a duplicate key means fired
        before), write the winners' events as one outbox document, drop the intent. A crash in
        between is finished by ``recover`` (the claims carry the batch id, so it is not redone)."""
        if not firings:
            return 0
        batch_id = uuid.uuid4().hex
        entries = [{"k": key, "e": event.model_dump_json()} for key, event in firings]
        await self.intents.insert_one({"_id": batch_id, "p": partition, "entries": entries})
        return await self._complete(batch_id, partition, firings, recovering=False)

    async def recover(self, partitions: set[int]) -> int:
        """Finish the batches a crashed (or revoked) instance left half-written; then queue the
        partitions' published batches for the sweep."""
        emitted = 0
        async for intent in self.intents.find({"p": {"$in": sorted(partitions)}}):
            firings = [(e["k"], Envelope.read(e["e"])) for e in intent["entries"]]
            emitted += await self._complete(intent["_id"], intent["p"], firings, recovering=True)
        async for doc in self.outbox.find({"p": {"$in": sorted(partitions)}}, {"_id": 1}):
            self._unswept.add(doc["_id"])
        return emitted

    async def _complete(
        self, batch_id: str, partition: int, firings: list[tuple[str, Envelope]], *, recovering: bool
    ) -> int:
        won = await self._claim(batch_id, [key for key, _ in firings], recovering=recovering)
        events = [(topics.TASK_OVERDUE, event) for key, event in firings if key in won]
        if events:
            try:
                doc = {"_id": batch_id, "p": partition, "n": len(events)}
                await self.outbox.insert_one(new_with_outbox(doc, *events))
            except DuplicateKeyError:
                pass  # the same batch completed by another instance (rebalance) or before a crash
            self._unswept.add(batch_id)
        await self.intents.delete_one({"_id": batch_id})
        return len(events)

    async def _claim(self, batch_id: str, keys: list[str], *, recovering: bool) -> set[str]:
        try:
            await self.firings.insert_many([{"_id": key, "b": batch_id} for key in keys], ordered=False)
            return set(keys)
        except BulkWriteError as exc:
            errors = exc.details.get("writeErrors", [])
            if any(e.get("code") != _DUPLICATE_KEY for e in errors):
                raise
            taken = {keys[e["index"]] for e in errors}
        won = set(keys) - taken
        if recovering:  # a key taken by this very batch (claimed before the crash) is still ours
            for key in taken:
                claim = await self.firings.find_one({"_id": key})
                if claim is not None and claim.get("b") == batch_id:
                    won.add(key)
        return won

    @property
    def unswept(self) -> int:
        return len(self._unswept)

    async def sweep(self) -> int:
        """Delete outbox documents the relay has published; returns how many are left to sweep."""
        for batch_id in list(self._unswept):
            doc = await self.outbox.find_one({"_id": batch_id}, {"outbox_pending": 1})
            if doc is None:
                self._unswept.discard(batch_id)
            elif doc.get("outbox_pending", 0) <= 0:
                await self.outbox.delete_one({"_id": batch_id, "outbox_pending": {"$lte": 0}})
                self._unswept.discard(batch_id)
        return len(self._unswept)

    # -- reading (API) ------------------------------------------------------------------------
    async def fired_level(self, task_id: str) -> int:
        """The highest level fired for ``task_id`` (0 = none); reads claims by ``_id``."""
        level = 0
        for candidate in range(1, TOP_LEVEL + 1):
            if await self.firings.find_one({"_id": firing_key(task_id, candidate)}, {"_id": 1}) is None:
                break
            level = candidate
        return level

    async def get(self, task_id: str) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
        """The timer and its stop record (either may be missing: a stop can overtake the arming)."""
        timer, stop = await asyncio.gather(
            self.timers.find_one({"_id": task_id}), self.stops.find_one({"_id": task_id})
        )
        return timer, stop


def _pointer(timer: Timer) -> dict[str, Any]:
    t = timer
    return {"_id": t.task_id, "p": t.partition, "c": t.complaint_id, "e": t.estate_id, "d": t.due_at}
