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
from collections.abc import AsyncIterator, Hashable
from contextlib import asynccontextmanager
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
    "TRANSIENT_DB_ERRORS",
    "Collection",
    "Database",
    "DuplicateKeyError",
    "IndexModel",
    "Mongo",
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
    """A motor collection whose single-document writes to one ``_id`` are serialised (see above)."""

    _SERIALISED = (
        "update_one",
        "replace_one",
        "delete_one",
        "find_one_and_update",
        "find_one_and_replace",
        "find_one_and_delete",
    )

    def __init__(self, inner: AsyncIOMotorCollection[Any], locks: KeyedLocks) -> None:
        self._inner = inner
        self._locks = locks

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._inner, name)
        if name not in self._SERIALISED:
            return attr

        async def serialised(filter: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
            doc_id = filter.get("_id") if isinstance(filter, dict) else None
            key = (self._inner.full_name, doc_id if isinstance(doc_id, Hashable) else None)
            async with self._locks.hold(key):
                return await attr(filter, *args, **kwargs)

        return serialised

    @property
    def name(self) -> str:
        return str(self._inner.name)

    async def create_indexes(self, indexes: list[IndexModel], **kwargs: Any) -> list[str]:
        existing = await self._inner.index_information()
        created: list[str] = []
        for model in indexes:
            if model.document["name"] not in existing:
                created += await self._inner.create_indexes([model], **kwargs)
        return created


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

    def collection(self, name: str) -> Collection:
        return Collection(self.db[name], self._locks)

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


def _outbox_entries(events: tuple[tuple[str, Envelope], ...]) -> dict[str, dict[str, Any]]:
    base = time.time_ns()
    return {
        envelope.id: {"topic": topic, "key": envelope.subject, "seq": base + i, "event": envelope.model_dump_json()}
        for i, (topic, envelope) in enumerate(events)
    }


def with_outbox(update: dict[str, Any], *events: tuple[str, Envelope]) -> dict[str, Any]:
    """Add outbox entries to a single-document update, so state change and event are one write.

    Entries live under ``outbox.<event id>`` with a ``outbox_pending`` counter the relay polls on.
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
