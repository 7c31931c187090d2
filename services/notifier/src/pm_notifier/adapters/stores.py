"""Small Mongo stores of the notifier: keyed documents (pages, follow-ups, tasks, estates,
preferences) and the latest organisation snapshot per estate (the timers: ``adapters/timers.py``)."""

from __future__ import annotations

import time
from typing import Any

from pm_common.events import Envelope
from pm_common.mongo import KeyedLocks, Mongo, insert_once, new_with_outbox, with_outbox
from pm_common.org import OrgSnapshot

PAGES, FOLLOWUPS, TASKS, ESTATES, PREFERENCES, TIMERS, ROSTERS = (
    "pages",
    "followups",
    "tasks",
    "estate_settings",
    "preferences",
    "timers",
    "rosters",
)
_HIDE = {"outbox": 0, "outbox_pending": 0}


def _entries(events: tuple[Envelope, ...]) -> tuple[tuple[str, Envelope], ...]:
    return tuple((e.type, e) for e in events)  # event type names are the topic names


class MongoDocuments:
    def __init__(self, mongo: Mongo, name: str) -> None:
        self.collection = mongo.collection(name)

    async def get(self, key: str) -> dict[str, Any] | None:
        doc: dict[str, Any] | None = await self.collection.find_one({"_id": key}, _HIDE)
        return doc

    async def insert(self, document: dict[str, Any], *events: Envelope) -> bool:
        doc = new_with_outbox(document, *_entries(events)) if events else document
        return bool(await insert_once(self.collection, doc))

    async def put(self, key: str, fields: dict[str, Any], *events: Envelope) -> None:
        if events:  # outbox entries go only onto an existing document
            await self.collection.update_one({"_id": key}, with_outbox({"$set": fields}, *_entries(events)))
        else:
            await self.collection.update_one({"_id": key}, {"$set": fields}, upsert=True)


class MongoRosters:
    """The highest ``version`` of each estate's ``org.changed`` snapshot (kept in memory too)."""

    def __init__(self, mongo: Mongo, ttl_seconds: float = 10.0) -> None:
        self.collection = mongo.collection(ROSTERS)
        self._cache: dict[str, tuple[OrgSnapshot, float]] = {}
        self._locks = KeyedLocks()
        self._ttl = ttl_seconds  # another instance may have stored a newer snapshot meanwhile

    async def get(self, estate_id: str) -> OrgSnapshot | None:
        cached = self._cache.get(estate_id)
        if cached is not None and cached[1] > time.monotonic():
            return cached[0]
        doc = await self.collection.find_one({"_id": estate_id})
        if doc is None:
            return None
        snapshot = OrgSnapshot.model_validate_json(doc["snapshot"])
        self._cache[estate_id] = (snapshot, time.monotonic() + self._ttl)
        return snapshot

    async def keep_latest(self, snapshot: OrgSnapshot) -> bool:
        async with self._locks.hold(snapshot.estate_id):
            current = await self.get(snapshot.estate_id)
            if current is not None and current.version >= snapshot.version:
                return False
            fields = {"version": snapshot.version, "snapshot": snapshot.model_dump_json()}
            await self.collection.update_one({"_id": snapshot.estate_id}, {"$set": fields}, upsert=True)
            self._cache[snapshot.estate_id] = (snapshot, time.monotonic() + self._ttl)
            return True
