"""The one adapter module that talks to MongoDB (motor). Everything else imports from here.

Only single-document atomic operations are used (no multi-document transactions, no change
streams), so the code runs on real MongoDB 7 and on FerretDB alike.

FerretDB 1.x applies an update by reading the document and writing it back without a lock, so two
concurrent updates of one document can lose one of them (measured: ``bench/ferretdb_workload.py``).
Every collection handed out here therefore serialises, within this process, the writes addressed
to one ``_id`` (each service owns its documents and writes them from one process locally; on
MongoDB 7 the updates are atomic anyway). It also creates indexes one at a time and only when
missing: FerretDB closes the connection when one call re-creates several existing indexes.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable, Hashable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

from motor.motor_asyncio import AsyncIOMotorClient, AsyncIOMotorCollection, AsyncIOMotorDatabase
from pymongo import ASCENDING, DESCENDING, IndexModel, ReturnDocument
from pymongo.errors import (
    AutoReconnect,
    ConnectionFailure,
    DuplicateKeyError,
    NetworkTimeout,
    PyMongoError,
    ServerSelectionTimeoutError,
)

from pm_common.events.envelope import Envelope

Database = AsyncIOMotorDatabase
OUTBOX_POINTERS = "outbox_pending"

# Errors that mean "the database is not reachable right now": retry later, never dead-letter.
TRANSIENT_DB_ERRORS: tuple[type[BaseException], ...] = (
    AutoReconnect,
    ConnectionFailure,
    NetworkTimeout,
    ServerSelectionTimeoutError,
)

__all__ = [
    "ASCENDING",
    "DESCENDING",
    "OUTBOX_POINTERS",
    "TRANSIENT_DB_ERRORS",
    "Collection",
    "Database",
    "DuplicateKeyError",
    "IndexModel",
    "Mongo",
    "OutboxTracker",
    "PyMongoError",
    "ReturnDocument",
    "insert_once",
    "new_with_outbox",
    "with_outbox",
]


class KeyedLocks:
    """One asyncio lock per key, dropped when nobody holds or waits for it."""

    def __init__(self) -> None:
        self._locks: dict[Hashable, tuple[asyncio.Lock, int]] = {}

    @asynccontextmanager
    async def hold(self, key: Hashable) -> AsyncIterator[None]:
        lock, users = self._locks.get(key, (asyncio.Lock(), 0))
        self._locks[key] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._locks[key]
            if users == 1:
                del self._locks[key]
            else:
                self._locks[key] = (lock, users - 1)

    def __len__(self) -> int:
        return len(self._locks)


class Collection:
    """A motor collection whose single-document writes to one ``_id`` are serialised (see above) and
    whose writes that carry outbox entries are tracked by the database's :class:`OutboxTracker`."""

    _SERIALISED = (
        "replace_one",
        "delete_one",
        "find_one_and_replace",
        "find_one_and_delete",
    )

    def __init__(self, inner: AsyncIOMotorCollection[Any], locks: KeyedLocks, tracker: OutboxTracker) -> None:
        self._inner = inner
        self._locks = locks
        self._tracker = tracker

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._inner, name)
        if name not in self._SERIALISED:
            return attr

        async def serialised(filter: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
            async with self._locks.hold(self._key(filter)):
                return await attr(filter, *args, **kwargs)

        return serialised

    def _key(self, filter: Any) -> tuple[str, Hashable]:
        doc_id = filter.get("_id") if isinstance(filter, dict) else None
        return (str(self._inner.full_name), doc_id if isinstance(doc_id, Hashable) else None)

    @property
    def name(self) -> str:
        return str(self._inner.name)

    async def insert_one(self, document: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
        entries = document.get("outbox") or {}
        if not entries:
            return await self._inner.insert_one(document, *args, **kwargs)
        pointer = await self._tracker.before_write(self.name, document["_id"], list(entries))
        try:
            result = await self._inner.insert_one(document, *args, **kwargs)
        except DuplicateKeyError:
            await self._tracker.abandon(pointer)
            raise
        self._tracker.written(self.name, document["_id"], pointer, list(entries))
        return result

    async def update_one(self, filter: dict[str, Any], update: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
        async with self._locks.hold(self._key(filter)):
            return await self._tracked_update(self._inner.update_one, filter, update, args, kwargs)

    async def find_one_and_update(
        self, filter: dict[str, Any], update: dict[str, Any], *args: Any, **kwargs: Any
    ) -> Any:
        async with self._locks.hold(self._key(filter)):
            return await self._tracked_update(self._inner.find_one_and_update, filter, update, args, kwargs)

    async def _tracked_update(
        self, op: Any, filter: dict[str, Any], update: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> Any:
        sets = update.get("$set", {}) if isinstance(update, dict) else {}
        event_ids = [k[len("outbox.") :] for k in sets if k.startswith("outbox.")]
        if not event_ids:
            return await op(filter, update, *args, **kwargs)
        doc_id = filter.get("_id")
        if doc_id is None or kwargs.get("upsert"):
            raise ValueError("a write with outbox entries must address one existing document by _id")
        pointer = await self._tracker.before_write(self.name, doc_id, event_ids)
        result = await op(filter, update, *args, **kwargs)
        applied = result is not None and getattr(result, "matched_count", 1) > 0
        if applied:
            self._tracker.written(self.name, doc_id, pointer, event_ids)
        else:
            await self._tracker.abandon(pointer)
        return result

    async def create_indexes(self, indexes: list[IndexModel], **kwargs: Any) -> list[str]:
        existing = await self._inner.index_information()
        created: list[str] = []
        for model in indexes:
            if model.document["name"] not in existing:
                created += await self._inner.create_indexes([model], **kwargs)
        return created


class OutboxTracker:
    """Pointers to documents with unpublished outbox entries, and in-process hints for the relay.

    Before a write that adds outbox entries, a small pointer document (``_id`` = the first event id)
    is inserted into ``outbox_pending``; after the write, the relay of this process is told at once
    (``written``). The relay deletes the pointer once it has published the entries. So the relay
    never scans the state collections: it is handed the document id, and its safety-net sweep (after
    a crash, for writes of other processes) reads only ``outbox_pending``, whose size is the number
    of unpublished writes, not the number of documents stored.
    """

    def __init__(self, db: AsyncIOMotorDatabase[Any]) -> None:
        self.pointers = db[OUTBOX_POINTERS]
        self._listeners: list[Callable[[str, Any, str, list[str]], None]] = []

    def listen(self, listener: Callable[[str, Any, str, list[str]], None]) -> None:
        self._listeners.append(listener)

    async def before_write(self, collection: str, doc_id: Any, event_ids: list[str]) -> str:
        pointer = event_ids[0]
        await self.pointers.insert_one(
            {"_id": pointer, "c": collection, "d": doc_id, "e": event_ids, "t": datetime.now(UTC)}
        )
        return pointer

    async def abandon(self, pointer: str) -> None:
        await self.pointers.delete_one({"_id": pointer})

    def written(self, collection: str, doc_id: Any, pointer: str, event_ids: list[str]) -> None:
        for listener in self._listeners:
            listener(collection, doc_id, pointer, event_ids)


class Mongo:
    """A client bound to one service database."""

    def __init__(self, url: str, db_name: str, *, timeout_ms: int = 3000) -> None:
        self.client: AsyncIOMotorClient[Any] = AsyncIOMotorClient(
            url,
            serverSelectionTimeoutMS=timeout_ms,
            connectTimeoutMS=timeout_ms,
            socketTimeoutMS=max(timeout_ms * 3, 10000),
            tz_aware=True,
            uuidRepresentation="standard",
        )
        self.db: AsyncIOMotorDatabase[Any] = self.client[db_name]
        self._locks = KeyedLocks()
        self.outbox = OutboxTracker(self.db)

    def collection(self, name: str) -> Collection:
        return Collection(self.db[name], self._locks, self.outbox)

    async def ping(self, timeout: float = 2.0) -> bool:
        try:
            await asyncio.wait_for(self.client.admin.command("ping"), timeout)
            return True
        except (TimeoutError, PyMongoError):
            return False

    async def drop_database(self) -> None:
        await self.client.drop_database(self.db.name)

    def close(self) -> None:
        self.client.close()


async def insert_once(collection: Collection, document: dict[str, Any]) -> bool:
    """Insert under a unique key; ``False`` when it already exists (an idempotent redelivery)."""
    try:
        await collection.insert_one(document)
        return True
    except DuplicateKeyError:
        return False


_last_seq = 0


def _next_seq() -> int:
    """Monotonic within the process (diagnostics only: the relay publishes in document order)."""
    global _last_seq
    _last_seq = max(time.time_ns(), _last_seq + 1)
    return _last_seq


def _outbox_entries(events: tuple[tuple[str, Envelope], ...]) -> dict[str, dict[str, Any]]:
    """Each entry carries everything the relay sends (value, key, headers), so the relay never
    re-parses a stored envelope: an entry written by an older release is published as it was."""
    return {
        envelope.id: {
            "topic": topic,
            "key": envelope.subject,
            "seq": _next_seq(),
            "event": envelope.model_dump_json(),
            "headers": [{"k": k, "v": v.decode()} for k, v in envelope.kafka_headers()],
        }
        for topic, envelope in events
    }


def with_outbox(update: dict[str, Any], *events: tuple[str, Envelope]) -> dict[str, Any]:
    """Add outbox entries to a single-document update, so state change and event are one write.

    Entries live under ``outbox.<event id>``, in write order (MongoDB and FerretDB keep field order),
    with an ``outbox_pending`` counter; the collection wrapper records a pointer for the relay.
    ``events`` are ``(topic, envelope)`` pairs; the topic is the contract name without prefix.
    """
    merged = {op: dict(fields) for op, fields in update.items()}
    sets = merged.setdefault("$set", {})
    for event_id, entry in _outbox_entries(events).items():
        sets[f"outbox.{event_id}"] = entry
    incs = merged.setdefault("$inc", {})
    incs["outbox_pending"] = incs.get("outbox_pending", 0) + len(events)
    return merged


def new_with_outbox(document: dict[str, Any], *events: tuple[str, Envelope]) -> dict[str, Any]:
    """A new document (for ``insert_one``) carrying outbox entries for its first events."""
    return {**document, "outbox": _outbox_entries(events), "outbox_pending": len(events)}
