"""The one adapter module that talks to MongoDB (motor). Everything else imports from here.

Only single-document atomic operations are used (no multi-document transactions, no change
streams), so the code runs on real MongoDB 7 and on FerretDB alike.
"""

from __future__ import annotations

import asyncio
import time
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

Collection = AsyncIOMotorCollection
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

    def collection(self, name: str) -> AsyncIOMotorCollection[Any]:
        return self.db[name]

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
