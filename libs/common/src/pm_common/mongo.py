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
from typing import Any

from motor.motor_asyncio import AsyncIOMotorClient, AsyncIOMotorDatabase
from pymongo import ASCENDING, DESCENDING, IndexModel, ReturnDocument
from pymongo.errors import (
    AutoReconnect,
    ConnectionFailure,
    DuplicateKeyError,
    NetworkTimeout,
    PyMongoError,
    ServerSelectionTimeoutError,
)

from pm_common.collection import OUTBOX_POINTERS, Collection, EngineTraits, KeyedLocks, OutboxTracker
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


class Mongo:
    """A client bound to one service database."""

    def __init__(
        self, url: str, db_name: str, *, timeout_ms: int = 3000, event_listeners: tuple[Any, ...] = ()
    ) -> None:
        self.client: AsyncIOMotorClient[Any] = AsyncIOMotorClient(
            url,
            event_listeners=list(event_listeners),  # e.g. a pymongo CommandListener (tests, benchmarks)
            serverSelectionTimeoutMS=timeout_ms,
            connectTimeoutMS=timeout_ms,
            socketTimeoutMS=max(timeout_ms * 3, 10000),
            tz_aware=True,
            uuidRepresentation="standard",
        )
        self.db: AsyncIOMotorDatabase[Any] = self.client[db_name]
        self._locks = KeyedLocks()
        self.outbox = OutboxTracker(self.db)
        self._engine = EngineTraits(self.client)

    def collection(self, name: str) -> Collection:
        return Collection(self.db[name], self._locks, self.outbox, self._engine)

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
            "key": envelope.kafka_key,
            "seq": _next_seq(),
            "event": envelope.to_json().decode(),
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
