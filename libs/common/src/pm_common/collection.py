"""The collection wrapper every service uses (built by :class:`pm_common.mongo.Mongo`).

- Writes addressed to one ``_id`` are serialised within the process (FerretDB 1.x applies an update
  by reading the document and writing it back without a lock, so concurrent updates of one document
  lose writes; MongoDB 7 does not need it and does not mind).
- A by-``_id`` read or write with further conditions (``{"_id": x, "status": "open"}``) is answered
  by ``_id`` and the conditions are evaluated here on FerretDB, which otherwise scans the whole
  collection for it (see :mod:`pm_common.matching`); MongoDB gets the filter as it is.
- Writes that carry outbox entries are tracked: a pointer before, a hint to the relay after.
- Indexes are created one at a time and only when missing (FerretDB closes the connection when one
  call re-creates several existing indexes).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Hashable
from contextlib import asynccontextmanager
from functools import partial
from typing import Any

from pymongo import IndexModel
from pymongo.errors import DuplicateKeyError
from pymongo.results import DeleteResult, UpdateResult

from pm_common.matching import Unsupported, matches, split_by_id
from pm_common.outbox_tracker import OUTBOX_POINTERS, OutboxTracker, first_event_of

__all__ = ["OUTBOX_POINTERS", "Collection", "EngineTraits", "KeyedLocks", "OutboxTracker"]


class EngineTraits:
    """What the connected engine can do, asked once (``buildInfo`` names FerretDB)."""

    def __init__(self, client: Any) -> None:
        self._client = client
        self._ferretdb: bool | None = None

    async def is_ferretdb(self) -> bool:
        if self._ferretdb is None:
            info = await self._client.server_info()
            self._ferretdb = "ferretdbVersion" in info
        return self._ferretdb


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
    """A motor collection with the behaviour described at the top of this module."""

    _SERIALISED = (
        "replace_one",
        "find_one_and_replace",
        "find_one_and_delete",
    )

    def __init__(self, inner: Any, locks: KeyedLocks, tracker: OutboxTracker, engine: EngineTraits) -> None:
        self._inner = inner
        self._locks = locks
        self._tracker = tracker
        self._engine = engine

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

    async def is_ferretdb(self) -> bool:
        """Whether the engine behind this collection is FerretDB (asked once per client)."""
        return await self._engine.is_ferretdb()

    async def announce(self, doc_id: Any, event_ids: list[str]) -> str:
        """Write the outbox pointer of a coming ``insert_one(…, announced=<this>)`` ahead of it (e.g. in
        parallel with other round trips); ``abandon`` it if the insert does not happen."""
        return await self._tracker.before_write(self.name, doc_id, event_ids)

    async def abandon(self, pointer: str) -> None:
        await self._tracker.abandon(pointer)

    async def insert_one(
        self, document: dict[str, Any], *args: Any, announced: str | None = None, grouped: bool = False, **kwargs: Any
    ) -> Any:
        """``grouped``: sent with the other grouped inserts into this collection in flight meanwhile, in
        one ``insert_many(ordered=False)`` (one SQLite transaction on FerretDB), same errors; returns None."""
        insert = self._tracker.grouped(self._inner).insert if grouped else partial(self._inner.insert_one, **kwargs)
        entries = document.get("outbox") or {}
        if not entries:
            return await insert(document, *args)
        if announced is not None and first_event_of(announced) not in entries:
            raise ValueError(f"pointer {announced} announced for other entries")
        pointer = announced or await self._tracker.before_write(self.name, document["_id"], list(entries))
        try:
            result = await insert(document, *args)
        except DuplicateKeyError:
            await self._tracker.abandon(pointer)
            raise
        # a new document: its entries are all there is to publish (the relay need not read it back)
        self._tracker.written(self.name, document["_id"], pointer, list(entries), (entries, document.get("version")))
        return result

    async def _by_id(self, filter: Any, kwargs: dict[str, Any]) -> tuple[Any, dict[str, Any]] | None:
        """``(id, conditions)`` when this filter should be answered by ``_id`` and evaluated here."""
        split = split_by_id(filter)
        if split is None or kwargs.get("upsert") or not await self._engine.is_ferretdb():
            return None
        return split

    async def _current(self, doc_id: Any, conditions: dict[str, Any]) -> dict[str, Any] | bool | None:
        """The document if it matches, ``None`` if not (or absent), ``False`` if we cannot tell."""
        doc = await self._inner.find_one({"_id": doc_id})
        if doc is None:
            return None
        try:
            return doc if matches(doc, conditions) else None
        except Unsupported:
            return False

    async def find_one(self, filter: Any = None, *args: Any, **kwargs: Any) -> Any:
        split = await self._by_id(filter, kwargs)
        if split is not None:
            found = await self._current(*split)
            if found is None:
                return None
            if found is not False:
                return await self._inner.find_one({"_id": split[0]}, *args, **kwargs)
        return await self._inner.find_one(filter, *args, **kwargs)

    async def insert_many(self, documents: Any, *args: Any, **kwargs: Any) -> Any:
        docs = list(documents)
        if any(doc.get("outbox") for doc in docs):  # one pointer per write: use insert_one for these
            raise ValueError("documents with outbox entries must be inserted one at a time (insert_one)")
        return await self._inner.insert_many(docs, *args, **kwargs)

    async def update_one(self, filter: dict[str, Any], update: Any, *args: Any, **kwargs: Any) -> Any:
        async with self._locks.hold(self._key(filter)):
            return await self._tracked_update(self._inner.update_one, filter, update, args, kwargs)

    async def find_one_and_update(self, filter: dict[str, Any], update: Any, *args: Any, **kwargs: Any) -> Any:
        async with self._locks.hold(self._key(filter)):
            return await self._tracked_update(self._inner.find_one_and_update, filter, update, args, kwargs)

    async def delete_one(self, filter: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
        async with self._locks.hold(self._key(filter)):
            split = await self._by_id(filter, kwargs)
            if split is not None:
                found = await self._current(*split)
                if found is None:
                    return DeleteResult({"n": 0, "ok": 1}, True)
                if found is not False:
                    filter = {"_id": split[0]}
            return await self._inner.delete_one(filter, *args, **kwargs)

    async def _narrowed(
        self, filter: dict[str, Any], kwargs: dict[str, Any]
    ) -> tuple[Any, bool, dict[str, Any] | None]:
        """The filter to send (``{"_id": x}`` once the conditions were checked here), whether the
        write can be skipped because the document does not match, and the document as read (if it was)."""
        split = await self._by_id(filter, kwargs) if isinstance(filter, dict) else None
        if split is None:
            return filter, False, None
        found = await self._current(*split)
        if found is None:
            return filter, True, None
        if not isinstance(found, dict):  # cannot tell here: the engine evaluates the filter
            return filter, False, None
        return {"_id": split[0]}, False, found

    async def _write(
        self, op: Any, filter: Any, update: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> tuple[Any, dict[str, Any] | None]:
        """The write's result, and the document read before it under this process's lock (FerretDB)."""
        filter, skip, before = await self._narrowed(filter, kwargs)
        if skip:
            skipped = UpdateResult({"n": 0, "nModified": 0, "ok": 1}, True)
            return (skipped if op == self._inner.update_one else None), None
        return await op(filter, update, *args, **kwargs), before

    async def _tracked_update(
        self, op: Any, filter: dict[str, Any], update: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> Any:
        sets = update.get("$set", {}) if isinstance(update, dict) else {}
        event_ids = [k[len("outbox.") :] for k in sets if k.startswith("outbox.")]
        if not event_ids:
            return (await self._write(op, filter, update, args, kwargs))[0]
        doc_id = filter.get("_id")
        if doc_id is None or kwargs.get("upsert"):
            raise ValueError("a write with outbox entries must address one existing document by _id")
        pointer = await self._tracker.before_write(self.name, doc_id, event_ids)
        result, before = await self._write(op, filter, update, args, kwargs)
        applied = result is not None and getattr(result, "matched_count", 1) > 0
        if applied:
            alone = _written_alone(before, sets, event_ids, update)
            self._tracker.written(self.name, doc_id, pointer, event_ids, alone)
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


def _written_alone(
    before: dict[str, Any] | None, sets: dict[str, Any], event_ids: list[str], update: dict[str, Any]
) -> tuple[dict[str, Any], Any] | None:
    """``(entries, version)`` when the document is known to hold no other pending entry: it was read
    before the write (under this process's lock) with an empty outbox, so everything written to it
    earlier has been published and these entries are all there is to send, in this order."""
    if before is None or before.get("outbox"):
        return None
    version = sets.get("version", before.get("version"))
    if version is None and "version" in (update.get("$inc") or {}):
        version = 1
    return {e: sets[f"outbox.{e}"] for e in event_ids}, version
