"""The outbox tracker behind every :class:`pm_common.collection.Collection` of one client: the pointers
of writes with outbox entries, the relay's hints, and the group commits of grouped inserts."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from pm_common.group_commit import GroupDelete, GroupInsert

OUTBOX_POINTERS = "outbox_pending"


def first_event_of(pointer: str) -> str:
    """The event id a pointer was named after (``<first event id>/<suffix>``, see ``before_write``)."""
    return pointer.split("/", 1)[0]


Listener = Callable[[str, Any, str, list[str], "tuple[dict[str, Any], Any] | None"], None]


class OutboxTracker:
    """Pointers to documents with unpublished outbox entries, and in-process hints for the relay.

    Before a write that adds outbox entries, a small pointer document (``_id`` = the first event id and a random suffix)
    is inserted into ``outbox_pending`` (pointers of concurrent writers in one ``insert_many``: group
    commit); after the write, the relay of this process is told at once (``written``), with the
    entries themselves when they are all the document has pending, so the relay need not read it.
    The relay deletes the pointer once it has published the entries. So the relay never scans
    the state collections: it is handed the document id, and its safety-net sweep (after
    a crash, for writes of other processes) reads only ``outbox_pending``, whose size is the number
    of unpublished writes, not the number of documents stored.
    """

    def __init__(self, db: Any) -> None:
        self.pointers = db[OUTBOX_POINTERS]
        self._inserts = GroupInsert(self.pointers)  # concurrent writers' pointers share a round trip
        self.drops = GroupDelete(self.pointers)  # and so do the relay's deletes of published ones
        self._listeners: list[Listener] = []
        self._groups: dict[str, GroupInsert] = {}

    def grouped(self, inner: Any) -> GroupInsert:
        """The group commit of plain inserts into ``inner`` (one per collection and client)."""
        return self._groups.setdefault(str(inner.full_name), GroupInsert(inner))

    def listen(self, listener: Listener) -> None:
        self._listeners.append(listener)

    async def before_write(self, collection: str, doc_id: Any, event_ids: list[str]) -> str:
        # unique per write: event ids are often deterministic (a retry carries the same id), and a
        # pointer a crashed writer left behind must not refuse the retry's own pointer
        pointer = f"{event_ids[0]}/{uuid.uuid4().hex[:12]}"
        doc = {"_id": pointer, "c": collection, "d": doc_id, "e": event_ids, "t": datetime.now(UTC)}
        await self._inserts.insert(doc)
        return pointer

    async def abandon(self, pointer: str) -> None:
        await self.drops.delete(pointer)

    def written(
        self,
        collection: str,
        doc_id: Any,
        pointer: str,
        event_ids: list[str],
        alone: tuple[dict[str, Any], Any] | None = None,
    ) -> None:
        """The write committed; ``alone`` = ``(entries, version)`` when these entries are all the
        document has pending (a new document, or one read with an empty outbox before the write)."""
        for listener in self._listeners:
            listener(collection, doc_id, pointer, event_ids, alone)
