"""The notifier's timers: the durable ``timers`` collection (one document per pending timer, written by
``_id``) and an in-memory schedule of it, so that looking for what is due costs no query.

The schedule is loaded with one read of the collection (O(pending): a timer is deleted when it is
cleared) on the first look, fed by this process's own writes, and reloaded every ``resync_seconds``
to pick up timers another instance wrote. A timer the schedule says is due is re-read by ``_id``
before it is handed out (one read per due timer), so one cleared or moved by another instance is not
run from a stale copy. Nothing is lost across a restart: the collection is the source of truth.
"""

from __future__ import annotations

import heapq
import time
from datetime import datetime
from typing import Any

from pm_common.mongo import Mongo
from pm_notifier.adapters.stores import TIMERS


def _key(kind: str, ref: str) -> str:
    return f"{kind}:{ref}"


class MongoTimers:
    def __init__(self, mongo: Mongo, resync_seconds: float = 60.0) -> None:
        self.collection = mongo.collection(TIMERS)
        self._resync = resync_seconds
        self._known: dict[str, dict[str, Any]] = {}  # _id -> the timer document
        self._heap: list[tuple[datetime, str]] = []  # (due_at, _id), lazily pruned
        self._loaded_at: float | None = None
        self._seq = 0  # this process's writes, numbered; a reload keeps what was written during it
        self._written: dict[str, int] = {}

    async def set(self, kind: str, ref: str, due_at: datetime, data: dict[str, Any] | None = None) -> None:
        fields = {"kind": kind, "ref": ref, "due_at": due_at, "data": data or {}}
        await self.collection.update_one({"_id": _key(kind, ref)}, {"$set": fields}, upsert=True)
        self._remember({"_id": _key(kind, ref), **fields})
        self._mark(_key(kind, ref))

    async def clear(self, kind: str, ref: str) -> None:
        await self.collection.delete_one({"_id": _key(kind, ref)})
        self._known.pop(_key(kind, ref), None)
        self._mark(_key(kind, ref))

    async def due(self, now: datetime) -> list[dict[str, Any]]:
        """The timers due at ``now``, earliest first, each as stored right now."""
        if self._loaded_at is None or time.monotonic() - self._loaded_at >= self._resync:
            await self.load()
        found: list[dict[str, Any]] = []
        for key in self._due_keys(now):
            current = await self.collection.find_one({"_id": key})
            if current is None:  # cleared by another instance
                self._known.pop(key, None)
            elif current["due_at"] != self._known.get(key, {}).get("due_at"):
                self._remember(current)  # moved by another instance
                if current["due_at"] <= now:
                    found.append(current)
            else:
                found.append(current)
        return sorted(found, key=lambda t: t["due_at"])

    async def pending(self, kind: str) -> list[dict[str, Any]]:
        return [t async for t in self.collection.find({}) if t["kind"] == kind]

    def next_due(self) -> datetime | None:
        """The earliest due time in the schedule (``None``: nothing pending, or not loaded yet)."""
        self._prune()
        return self._heap[0][0] if self._heap else None

    async def load(self) -> None:
        """Replace the schedule with the collection's content (keeping what this process wrote meanwhile)."""
        started, stamp = self._seq, time.monotonic()
        stored = {t["_id"]: t async for t in self.collection.find({})}
        for key, seq in self._written.items():
            if seq > started:  # written while the read ran: memory has the newer state
                if key in self._known:
                    stored[key] = self._known[key]
                else:
                    stored.pop(key, None)
        self._known = stored
        self._heap = [(t["due_at"], k) for k, t in stored.items()]
        heapq.heapify(self._heap)
        self._written = {}
        self._seq = 0
        self._loaded_at = stamp

    def _remember(self, timer: dict[str, Any]) -> None:
        self._known[timer["_id"]] = timer
        heapq.heappush(self._heap, (timer["due_at"], timer["_id"]))

    def _mark(self, key: str) -> None:
        self._seq += 1
        self._written[key] = self._seq

    def _prune(self) -> None:
        while self._heap and self._stale(self._heap[0]):
            heapq.heappop(self._heap)

    def _stale(self, entry: tuple[datetime, str]) -> bool:
        timer = self._known.get(entry[1])
        return timer is None or timer["due_at"] != entry[0]

    def _due_keys(self, now: datetime) -> list[str]:
        keys: list[str] = []
        kept: list[tuple[datetime, str]] = []
        while self._heap and self._heap[0][0] <= now:
            entry = heapq.heappop(self._heap)
            if not self._stale(entry) and entry[1] not in keys:
                keys.append(entry[1])
                kept.append(entry)  # still pending until its use case clears or moves it
        for entry in kept:
            heapq.heappush(self._heap, entry)
        return keys
