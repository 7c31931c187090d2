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

_BATCH = 8  # tail slots fetched per round trip
_GROUP = 256  # appends of one key written together in one slot, at most
_KEEP_OWN = 1024  # own slots kept per key (``keep_own``), at most
TAIL_SHARE = 8  # a log grows to 1/8 of its snapshot's entries before it is folded again (``note_size``)


def slot_id(key: str, n: int) -> str:
    return f"{key}#{n:07d}"


class IndexLog:
    def __init__(self, collection: Collection, compact_every: int = 64, *, keep_own: bool = False) -> None:
        """``keep_own``: remember the slots this process wrote until a compaction folds them, so reading
        a tail (compaction, queries) fetches only other writers' slots (slots never change once written).
        For logs that are compacted; an uncompacted log (one per owner, say) would keep them all."""
        self.collection = collection
        self.compact_every = compact_every
        self._own: dict[str, dict[int, dict[str, Any]]] | None = {} if keep_own else None
        self._heads: dict[str, int] = {}  # last slot known to exist, per key
        self._compacted: dict[str, int] = {}  # last known snapshot coverage, per key
        self._sizes: dict[str, int] = {}  # entries in the snapshot, per key (``note_size``)
        self._compacting: set[str] = set()
        self._queued: dict[str, list[tuple[list[str], asyncio.Future[int]]]] = {}  # per key being written

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
        """Append ``entries`` to ``key``; returns the slot they landed in. Appends of one key made by
        this process while one of its inserts is in flight ride together in the next slot (group
        commit): one insert for all of them, and no two requests of one process race for the same
        slot. Appends with ``extra`` fields get a slot of their own."""
        if extra:
            return await self._claim(key, entries, extra)
        done: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        queue = self._queued.get(key)
        if queue is not None:  # a writer of this key is running: it takes these too
            queue.append((entries, done))
            return await done
        self._queued[key] = [(entries, done)]
        await self._write_queued(key)
        return await done

    async def _write_queued(self, key: str) -> None:
        try:
            while batch := self._queued.get(key):
                self._queued[key] = batch[_GROUP:]
                batch = batch[:_GROUP]
                try:
                    n = await self._claim(key, [e for entries, _ in batch for e in entries], {})
                except Exception as exc:
                    for _, waiter in batch:
                        waiter.set_exception(exc)
                    continue
                for _, waiter in batch:
                    waiter.set_result(n)
        finally:
            for _, waiter in self._queued.pop(key, []) + (batch or []):
                if not waiter.done():  # the writing task was cancelled: nothing was written for these
                    waiter.set_exception(RuntimeError(f"append to {key} abandoned (its writer was cancelled)"))

    async def _claim(self, key: str, entries: list[str], extra: dict[str, Any]) -> int:
        """Claim the next free slot for ``entries``. A key this process has not seen is tried at slot 1
        first (most owner keys are new), its head probed only if that is taken."""
        n = self._heads[key] + 1 if key in self._heads else 1
        for _ in range(10_000):
            try:
                await self.collection.insert_one({"_id": slot_id(key, n), "e": entries, **extra}, grouped=True)
            except DuplicateKeyError:  # another writer took it: the next one (found by probing if unknown)
                n = n + 1 if key in self._heads else await self.head(key) + 1
                continue
            self._heads[key] = max(self._heads.get(key, 0), n)
            if self._own is not None:
                own = self._own.setdefault(key, {})
                own[n] = {"_id": slot_id(key, n), "e": entries, **extra}
                while len(own) > _KEEP_OWN:
                    del own[min(own)]
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
                await self._claim(key, batches[key], {})
            else:
                self._heads[key] = self._heads.get(key, 0) + 1

    async def tail(self, key: str, after: int) -> list[tuple[int, list[str]]]:
        """The slots after ``after``, in order, up to the first missing one: one lookup when there is
        none (the usual case), then a few per round trip."""
        return [(n, list(doc.get("e", []))) for n, doc in await self.tail_documents(key, after)]

    async def tail_documents(self, key: str, after: int) -> list[tuple[int, dict[str, Any]]]:
        """Like :meth:`tail`, with the whole slot documents (their ``extra`` fields too). Slots this
        process wrote (``keep_own``) are not fetched again."""
        own = self._own.get(key, {}) if self._own is not None else {}

        async def slot(i: int) -> dict[str, Any] | None:
            return own[i] if i in own else await self.collection.find_one({"_id": slot_id(key, i)})

        found: list[tuple[int, dict[str, Any]]] = []
        n, width = after + 1, 1  # one lookup when there is nothing new (the usual case), then a few at once
        while True:
            while n in own:
                found.append((n, own[n]))
                n += 1
            later = min((m for m in own if m > n), default=None)
            if later is not None:  # slots are dense: every slot before one of ours exists
                span = range(n, later)
            else:
                span = range(n, n + width)
                width = _BATCH
            docs = await asyncio.gather(*(slot(i) for i in span))
            for i, doc in enumerate(docs):
                if doc is None:
                    if found:
                        self._heads[key] = max(self._heads.get(key, 0), found[-1][0])
                    return found
                found.append((n + i, doc))
            n = span.stop

    def note_compacted(self, key: str, upto: int) -> None:
        self._compacted[key] = max(self._compacted.get(key, 0), upto)
        own = self._own.get(key) if self._own is not None else None
        if own:  # folded into the snapshot; kept a while longer for snapshots that lag (sharded ones)
            for n in [n for n in own if n <= upto - 4 * self.interval(key)]:
                del own[n]

    def note_size(self, key: str, entries: int) -> None:
        """How many entries ``key``'s snapshot holds: a compaction rewrites the whole snapshot, so it
        runs every ``interval`` slots — a share of that size — and costs O(1) per entry, not
        O(snapshot) (at 100k items a partition's snapshot is ~0.5–3 MB; every 64 slots it was ~50 KB
        rewritten per registration)."""
        self._sizes[key] = entries

    def interval(self, key: str) -> int:
        """Slots between two compactions of ``key``: ``compact_every``, or 1/``TAIL_SHARE`` of its size."""
        return max(self.compact_every, self._sizes.get(key, 0) // TAIL_SHARE)

    def knows_compaction(self, key: str) -> bool:
        """Whether this process has learnt (``note_compacted``) how far ``key``'s snapshot reaches."""
        return key in self._compacted

    def due(self, key: str, slot: int) -> bool:
        """Has ``key`` grown ``interval`` slots past its last known snapshot?"""
        return slot - self._compacted.get(key, 0) >= self.interval(key) and key not in self._compacting

    async def compact_once(self, key: str, compact: Callable[[], Awaitable[object]]) -> None:
        """Run ``compact`` unless a compaction of ``key`` is already running in this process."""
        if key in self._compacting:
            return
        self._compacting.add(key)
        try:
            await compact()
        finally:
            self._compacting.discard(key)
