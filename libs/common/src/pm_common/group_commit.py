"""Group commit: small writes of one kind that arrive while one is in flight go together in the next.

Used for the outbox pointers (``outbox_pending``): every tracked write inserts one before it writes
its document, and the relay deletes it after publishing; and for every ``insert_one(…, grouped=True)``
(index-log slots, rate-limit slots, reference claims, new complaints): FerretDB commits an
``insert_many`` as one SQLite transaction, measured 5–10 × cheaper per document than as many
concurrent ``insert_one`` at 16. Under concurrency most of those are
waiting for the database anyway, so the ones queued behind an insert (or a delete) in flight are
sent as one ``insert_many`` (one ``delete_many``) when it returns: one round trip for all of them,
and no added wait when nothing is in flight (the first write goes at once).
"""

from __future__ import annotations

import asyncio
from typing import Any

from pymongo.errors import BulkWriteError, DuplicateKeyError, WriteError


class _Batcher:
    """Runs ``_flush`` for everything queued while a flush is in flight; each caller awaits its own item."""

    def __init__(self, max_batch: int = 500) -> None:
        self.max_batch = max_batch
        self._waiting: list[tuple[Any, asyncio.Future[None]]] = []
        self._writing = False
        self._drainer: asyncio.Task[None] | None = None

    async def _submit(self, item: Any) -> None:
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting.append((item, done))
        if not self._writing:  # the batches are written by a task of their own: no caller waits for others'
            self._writing = True
            self._drainer = asyncio.create_task(self._drain())
        await done

    async def _drain(self) -> None:
        try:
            while self._waiting:
                batch, self._waiting = self._waiting[: self.max_batch], self._waiting[self.max_batch :]
                await self._run(batch)
        finally:
            self._writing = False
            left, self._waiting = self._waiting, []
            for _, waiter in left:  # the writer was cancelled (loop shut down): nothing was written for these
                if not waiter.done():
                    waiter.set_exception(RuntimeError("group commit abandoned (its writer was cancelled)"))

    async def _run(self, batch: list[tuple[Any, asyncio.Future[None]]]) -> None:
        try:
            failed = await self._flush([item for item, _ in batch])
        except Exception as exc:  # the whole batch failed
            for _, waiter in batch:
                if not waiter.done():
                    waiter.set_exception(exc)
            return
        for i, (_, waiter) in enumerate(batch):
            if waiter.done():
                continue
            if i in failed:
                waiter.set_exception(failed[i])
            else:
                waiter.set_result(None)

    async def _flush(self, items: list[Any]) -> dict[int, BaseException]:
        raise NotImplementedError


class GroupInsert(_Batcher):
    """``insert`` of a document: alone when nothing is in flight, else with the others in one
    ``insert_many(ordered=False)``. A document refused (e.g. a duplicate ``_id``) fails only its caller."""

    def __init__(self, collection: Any, max_batch: int = 500) -> None:
        super().__init__(max_batch)
        self.collection = collection

    async def insert(self, document: dict[str, Any]) -> None:
        await self._submit(document)

    async def _flush(self, items: list[Any]) -> dict[int, BaseException]:
        if len(items) == 1:
            await self.collection.insert_one(items[0])
            return {}
        try:
            await self.collection.insert_many(items, ordered=False)
        except BulkWriteError as exc:
            errors = exc.details.get("writeErrors", [])
            if not errors:
                raise
            return {int(e["index"]): _error(e) for e in errors}
        return {}


def _error(detail: dict[str, Any]) -> BaseException:
    """The error ``insert_one`` would have raised for this document."""
    cls = DuplicateKeyError if detail.get("code") == 11000 else WriteError
    return cls(str(detail.get("errmsg", "")), detail.get("code"), detail)


class GroupDelete(_Batcher):
    """``delete`` by ``_id``: alone, or with the others queued meanwhile in one
    ``delete_many({"_id": {"$in": ids}})``. Meant for small collections (FerretDB scans for ``$in``)."""

    def __init__(self, collection: Any, max_batch: int = 500) -> None:
        super().__init__(max_batch)
        self.collection = collection

    async def delete(self, doc_id: Any) -> None:
        await self._submit(doc_id)

    async def _flush(self, items: list[Any]) -> dict[int, BaseException]:
        ids = list(dict.fromkeys(items))
        if len(ids) == 1:
            await self.collection.delete_one({"_id": ids[0]})
        else:
            await self.collection.delete_many({"_id": {"$in": ids}})
        return {}
