"""Optimistic concurrency that holds on FerretDB as well as on MongoDB 7, across processes.

Every document of a versioned collection carries ``version``. A writer reads the document, decides,
and saves with the version it read; losing the race means reload and retry.

- **MongoDB 7**: ``update_one({_id, version: v}, …, version: v+1)`` is atomic; nothing else is paid.
- **FerretDB 1.x** applies an update by reading and writing back without a lock, so two processes
  could both match ``version: v``. There a writer first **claims the step** ``v → v+1`` by inserting
  the ticket ``<collection>|<id>|<v+1>`` into ``version_tickets``: unique-key inserts are atomic on
  both engines, so exactly one writer wins each step and only the winner updates the document. The
  previous step's ticket is deleted after a successful write, so tickets stay O(documents being
  written), not O(writes). A winner that dies between claim and write leaves a ticket whose document
  never reached ``v+1``; after ``lease_seconds`` another writer may take that step over.

The per-process lock in :mod:`pm_common.mongo` still serialises writes to one document inside a
process; this module is what makes several processes (replicas) safe.
"""

from __future__ import annotations

import asyncio
import os
import random
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from pm_common.mongo import Collection, DuplicateKeyError, Mongo

TICKETS = "version_tickets"

Decide = Callable[[dict[str, Any]], dict[str, Any] | Awaitable[dict[str, Any] | None] | None]


class VersionConflict(Exception):
    """The document kept changing under us for longer than the retry budget."""


class VersionedCollection:
    """A collection whose writers all go through :meth:`save` / :meth:`mutate` (the outbox relay
    does too, for documents that carry a ``version``)."""

    def __init__(self, coll: Collection, *, lease_seconds: float = 10.0) -> None:
        self.coll = coll
        self.tickets = coll.database[TICKETS]
        self.lease = lease_seconds

    @classmethod
    def of(cls, mongo: Mongo, name: str, *, lease_seconds: float = 10.0) -> VersionedCollection:
        return cls(mongo.collection(name), lease_seconds=lease_seconds)

    async def needs_tickets(self) -> bool:
        """True on engines whose conditional updates are not atomic (FerretDB)."""
        forced = os.environ.get("PM_VERSION_TICKETS", "auto")  # auto | always | never (experiments)
        if forced in ("always", "never"):
            return forced == "always"
        return await self.coll.is_ferretdb()

    async def save(self, doc_id: Any, expected_version: int, update: dict[str, Any]) -> bool:
        """Apply ``update`` if the document is still at ``expected_version``; bump the version.

        ``update`` is an update document (it may carry outbox entries: ``mongo.with_outbox``)."""
        merged = {op: dict(fields) for op, fields in update.items()}
        merged.setdefault("$set", {})["version"] = expected_version + 1
        # documents written before versioning have no ``version``: they count as version 0
        at: Any = {"$in": [0, None]} if expected_version == 0 else expected_version
        if not await self.needs_tickets():
            result = await self.coll.update_one({"_id": doc_id, "version": at}, merged)
            return bool(result.matched_count)
        if not await self._claim(doc_id, expected_version + 1):
            return False
        result = await self.coll.update_one({"_id": doc_id, "version": at}, merged)
        if result.matched_count:
            await self.tickets.delete_one({"_id": self._ticket(doc_id, expected_version)})
            return True
        await self.tickets.delete_one({"_id": self._ticket(doc_id, expected_version + 1)})
        return False

    async def mutate(self, doc_id: Any, decide: Decide, *, attempts: int = 50) -> dict[str, Any] | None:
        """Read, ``decide(document)`` → an update or ``None`` (nothing to do), save; retry on conflict.

        Returns the document as read before the successful update, or ``None`` if ``decide`` declined
        or the document does not exist."""
        for attempt in range(attempts):
            doc = await self.coll.find_one({"_id": doc_id})
            if doc is None:
                return None
            decided = decide(doc)
            update = await decided if isinstance(decided, Awaitable) else decided
            if update is None:
                return None
            if await self.save(doc_id, int(doc.get("version", 0)), update):
                return dict(doc)
            await asyncio.sleep(random.uniform(0, 0.002 * (attempt + 1)))
        raise VersionConflict(f"{self.coll.name}/{doc_id}: still changing after {attempts} attempts")

    def _ticket(self, doc_id: Any, version: int) -> str:
        return f"{self.coll.name}|{doc_id}|{version}"

    async def _claim(self, doc_id: Any, version: int) -> bool:
        ticket = self._ticket(doc_id, version)
        try:
            await self.tickets.insert_one({"_id": ticket, "at": datetime.now(UTC)})
            return True
        except DuplicateKeyError:
            pass
        held = await self.tickets.find_one({"_id": ticket})
        if held is None or (datetime.now(UTC) - held["at"]).total_seconds() < self.lease:
            return False
        current = await self.coll.find_one({"_id": doc_id}, {"version": 1})
        if current is None or int(current.get("version", 0)) >= version:
            return False  # the step was made; the ticket is merely left over
        # the claimer died between claim and write: take the step over
        await self.tickets.delete_one({"_id": ticket, "at": held["at"]})
        try:
            await self.tickets.insert_one({"_id": ticket, "at": datetime.now(UTC)})
            return True
        except DuplicateKeyError:
            return False
