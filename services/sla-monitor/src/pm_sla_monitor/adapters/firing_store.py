"""Durable once-only emission of SLA steps, shaped for FerretDB 1.24 (SQLite) as much as for MongoDB 7.

FerretDB pushes down only ``_id`` equality in ``find``; ``update``/``delete`` scan the collection. So
the firing path is inserts (unique ``_id``) and reads by ``_id``, into collections kept small:

- ``firings``         one small claim per item × stage × generation × step (``_id`` = the step key,
                      ``b`` = its batch): the unique key that makes every emission happen once, across
                      restarts and instances
- ``firing_intents``  the keys of a batch about to be claimed (crash recovery); deleted with the
                      batch's outbox document once that is published
- ``overdue_outbox``  one document per batch carrying all of its events (``task.overdue``,
                      ``task.sla_warning``) in its outbox; deleted once the relay has published it. A
                      batch that never got its document is *fenced* by recovery: an empty document of
                      the same ``_id``, so a late writer of that batch cannot publish it any more.

A batch is three writes on the hot path (intent, claims in one ``insert_many``, outbox document); the
event is written once (in the outbox document), not in its claim too.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import UTC, datetime, timedelta

from pymongo.errors import BulkWriteError

from pm_common.events import CONTENT_TYPE
from pm_common.mongo import DuplicateKeyError, IndexModel, Mongo
from pm_sla_monitor.domain.steps import Firing

FIRINGS = "firings"
INTENTS = "firing_intents"
OVERDUE_OUTBOX = "overdue_outbox"
_DUPLICATE_KEY = 11000
FENCE_KEEP = timedelta(minutes=2)  # a fence outlives any late writer of its batch (a stalled instance)


_seq = 0


def _next_seq() -> int:
    global _seq
    _seq = max(time.time_ns(), _seq + 1)
    return _seq


class MongoFiringStore:
    def __init__(self, mongo: Mongo) -> None:
        self.firings = mongo.collection(FIRINGS)
        self.intents = mongo.collection(INTENTS)
        self.outbox = mongo.collection(OVERDUE_OUTBOX)
        self._unswept: set[str] = set()

    @staticmethod
    async def create_indexes(mongo: Mongo) -> None:
        # Used by MongoDB 7 (FerretDB keeps it but scans anyway): the relay's poll.
        await mongo.collection(OVERDUE_OUTBOX).create_indexes([IndexModel([("outbox_pending", 1)])])

    # -- firing -------------------------------------------------------------------------------
    async def fire(self, partition: int, firings: list[Firing]) -> int:
        """Emit each step unless its key was ever fired; returns how many were new.

        Steps: write the intent (the batch's keys), claim the keys (one ``insert_many`` of small
        documents: a duplicate key means fired before), write the winners' events as one outbox
        document. The intent goes with the outbox document once published (``sweep``). A crash (or a
        stall past a rebalance) before the outbox document is undone by ``recover``: it fences the
        batch and releases its claims, and the steps fire again from the armed clocks."""
        if not firings:
            return 0
        batch_id = uuid.uuid4().hex
        await self.intents.insert_one({"_id": batch_id, "p": partition, "k": [f.key for f in firings]})
        won = await self._claim(batch_id, firings)
        if not won:
            await self.intents.delete_one({"_id": batch_id})
            return 0
        header = [{"k": "content-type", "v": CONTENT_TYPE}]
        entries = {
            f.event_id: {"topic": f.topic, "key": f.subject, "seq": _next_seq(), "event": f.value, "headers": header}
            for f in firings
            if f.key in won
        }
        doc = {"_id": batch_id, "p": partition, "n": len(entries), "outbox": entries, "outbox_pending": len(entries)}
        try:
            await self.outbox.insert_one(doc)
        except DuplicateKeyError:
            return 0  # fenced by the partition's new owner: it fires these steps again
        self._unswept.add(batch_id)
        return len(entries)

    async def recover(self, partitions: set[int]) -> int:
        """Undo the batches a crashed (or stalled) instance left without their outbox document: fence
        each one and release its claims (those steps fire again when their clocks are loaded); queue
        the partitions' outbox documents for the sweep. Returns how many claims were released."""
        released = 0
        async for intent in self.intents.find({"p": {"$in": sorted(partitions)}}):
            batch_id = intent["_id"]
            fence = {"_id": batch_id, "p": intent["p"], "n": 0, "fenced_at": datetime.now(UTC)}
            try:
                await self.outbox.insert_one(fence)
            except DuplicateKeyError:  # the batch was written: its intent goes with it in the sweep
                self._unswept.add(batch_id)
                continue
            keys = list(intent.get("k", []))
            deleted = await asyncio.gather(*(self.firings.delete_one({"_id": k, "b": batch_id}) for k in keys))
            released += sum(r.deleted_count for r in deleted)
            await self.intents.delete_one({"_id": batch_id})
            self._unswept.add(batch_id)
        async for doc in self.outbox.find({"p": {"$in": sorted(partitions)}}, {"_id": 1}):
            self._unswept.add(doc["_id"])
        return released

    async def _claim(self, batch_id: str, firings: list[Firing]) -> set[str]:
        keys = [f.key for f in firings]
        try:
            await self.firings.insert_many([{"_id": k, "b": batch_id} for k in keys], ordered=False)
            return set(keys)
        except BulkWriteError as exc:
            errors = exc.details.get("writeErrors", [])
            if any(e.get("code") != _DUPLICATE_KEY for e in errors):
                raise
            return set(keys) - {keys[e["index"]] for e in errors}

    @property
    def unswept(self) -> int:
        return len(self._unswept)

    async def sweep(self) -> int:
        """Delete outbox documents the relay has published (their intent first) and fences past
        ``FENCE_KEEP``; returns how many are left to sweep."""
        now = datetime.now(UTC)
        for batch_id in list(self._unswept):
            doc = await self.outbox.find_one({"_id": batch_id}, {"outbox_pending": 1, "fenced_at": 1})
            if doc is None:
                await self.intents.delete_one({"_id": batch_id})
                self._unswept.discard(batch_id)
                continue
            fenced = doc.get("fenced_at")
            if isinstance(fenced, datetime) and now - fenced.replace(tzinfo=UTC) < FENCE_KEEP:
                continue
            if doc.get("outbox_pending", 0) <= 0:
                await self.intents.delete_one({"_id": batch_id})
                await self.outbox.delete_one({"_id": batch_id})  # published: nothing adds to a batch
                self._unswept.discard(batch_id)
        return len(self._unswept)

    async def claimed(self, keys: list[str]) -> set[str]:
        """Which of ``keys`` were ever fired (claims read by ``_id``)."""
        found = await asyncio.gather(*(self.firings.find_one({"_id": k}, {"_id": 1}) for k in keys))
        return {k for k, doc in zip(keys, found, strict=True) if doc is not None}
