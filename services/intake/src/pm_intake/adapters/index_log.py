"""Append-only logs in keyed documents, safe with several writer processes on FerretDB.

A log ``key`` is a run of slot documents ``<key>#0000001``, ``<key>#0000002``, … Each append claims
the next slot by *inserting* it: the unique ``_id`` makes the claim atomic on MongoDB and FerretDB
alike, so two processes appending at once both land (FerretDB loses concurrent *updates* of one
document, never inserts). Slots are never deleted, so they are dense and the head can be found by
``_id`` probes alone. Readers merge a snapshot document (written by compaction, covering slots
``1..upto``) with the slots after it; a snapshot lost to a concurrent compaction is just an older
valid snapshot. Every read and write is an ``_id`` equality, the only filter FerretDB pushes down.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from pymongo.errors import BulkWriteError

from pm_common.mongo import Collection, DuplicateKeyError

INDEX = "ledger_index"
_BATCH = 8  # tail slots fetched per round trip


def slot_id(key: str, n: int) -> str:
    return f"{key}#{n:07d}"


class IndexLog:
    def __init__(self, collection: Collection, compact_every: int = 64) -> None:
        self.collection = collection
        self.compact_every = compact_every
        self._heads: dict[str, int] = {}  # last slot known to exist, per key
        self._compacted: dict[str, int] = {}  # last known snapshot coverage, per key
        self._compacting: set[str] = set()

    async def _exists(self, key: str, n: int) -> bool:
        return await self.collection.find_one({"_id": slot_id(key, n)}, {"_id": 1}) is not None

    async def head(self, key: str) -> int:
        """The last slot of ``key``: cached, else found by an exponential then binary ``_id`` probe."""
        known = self._heads.get(key, 0)
        if known:
            return known
        high = 1
        while await self._exists(key, high):
            high *= 2
        low = high // 2  # slot ``low`` exists (or low == 0), slot ``high`` does not
        while high - low > 1:
            mid = (low + high) // 2
            low, high = (mid, high) if await self._exists(key, mid) else (low, mid)
        self._heads[key] = low
        return low

    async def append(self, key: str, entries: list[str], **extra: Any) -> int:
        """Claim the next free slot for ``entries``; returns the slot number. A key this process has not
        seen is tried at slot 1 first (most owner keys are new), its head probed only if that is taken."""
        n = self._heads[key] + 1 if key in self._heads else 1
        for _ in range(10_000):
            try:
                await self.collection.insert_one({"_id": slot_id(key, n), "e": entries, **extra})
            except DuplicateKeyError:  # another writer took it: the next one (found by probing if unknown)
                n = n + 1 if key in self._heads else await self.head(key) + 1
                continue
            self._heads[key] = max(self._heads.get(key, 0), n)
            return n
        raise RuntimeError(f"could not append to index log {key}")

    async def append_many(self, batches: dict[str, list[str]]) -> None:
        """One append per key, all in one ``insert_many`` (the bulk path): each key's next slot by this
        process's knowledge; keys whose slot another writer took meanwhile fall back to ``append``."""
        keys = list(batches)
        if not keys:
            return
        docs = [{"_id": slot_id(k, self._heads.get(k, 0) + 1), "e": batches[k]} for k in keys]
        failed: set[int] = set()
        try:
            await self.collection.insert_many(docs, ordered=False)
        except BulkWriteError as exc:
            errors = exc.details.get("writeErrors", [])
            if any(e.get("code") != 11000 for e in errors):
                raise
            failed = {int(e["index"]) for e in errors}
        for i, key in enumerate(keys):
            if i in failed:
                await self.append(key, batches[key])
            else:
                self._heads[key] = self._heads.get(key, 0) + 1

    async def tail(self, key: str, after: int) -> list[tuple[int, list[str]]]:
        """The slots after ``after``, in order, up to the first missing one: one lookup when there is
        none (the usual case), then a few per round trip."""
        first = await self.collection.find_one({"_id": slot_id(key, after + 1)})
        if first is None:
            return []
        found: list[tuple[int, list[str]]] = [(after + 1, list(first.get("e", [])))]
        n = after + 2
        while True:
            docs = await asyncio.gather(
                *(self.collection.find_one({"_id": slot_id(key, i)}) for i in range(n, n + _BATCH))
            )
            for i, doc in enumerate(docs):
                if doc is None:
                    self._heads[key] = max(self._heads.get(key, 0), found[-1][0])
                    return found
                found.append((n + i, list(doc.get("e", []))))
            n += _BATCH

    def note_compacted(self, key: str, upto: int) -> None:
        self._compacted[key] = max(self._compacted.get(key, 0), upto)

    def due(self, key: str, slot: int) -> bool:
        """Has ``key`` grown ``compact_every`` slots past its last known snapshot?"""
        return slot - self._compacted.get(key, 0) >= self.compact_every and key not in self._compacting

    async def compact_once(self, key: str, compact: Callable[[], Awaitable[object]]) -> None:
        """Run ``compact`` unless a compaction of ``key`` is already running in this process."""
        if key in self._compacting:
            return
        self._compacting.add(key)
        try:
            await compact()
        finally:
            self._compacting.discard(key)
