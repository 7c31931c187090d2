"""Outbox relay: publishes events written into documents by ``mongo.with_outbox`` and marks them sent.

Work is proportional to what is pending, never to what is stored:
- **hints**: every tracked write in this process hands the relay its document id at once; a task of
  that document reads it by ``_id`` and publishes its entries right away (no polling delay, no query
  on state, and no waiting for other documents' sends or marks);
- **sweep**: at start-up and every ``sweep_seconds`` the relay reads the small ``outbox_pending``
  pointer collection (one pointer per unpublished write) and publishes what earlier processes, other
  replicas or a crash left behind.

One document is published by one task at a time: its entries are enqueued in write order (the
idempotent producer keeps that order per partition, so per key) and acknowledged together (acks=all).
An entry is removed only after the broker acknowledged it, so a crash in between re-publishes it:
at-least-once, consumers dedupe. One entry the broker refuses holds back only the later entries of
its own key. An entry refused ``park_after`` times (non-retriable errors such as "message too large";
an unreachable broker parks nothing) is **parked**: moved to ``outbox_parked.<event id>`` in the same
document, listed in ``outbox_parked``, counted in ``pm_outbox_parked_total``; ``python -m
pm_common.kafka.outbox_admin`` lists and retries parked entries.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from pm_common.kafka.outbox_mark import PARKED, mark
from pm_common.kafka.outbox_send import Sender
from pm_common.kafka.producer import KafkaPublisher
from pm_common.metrics import EVENTS_PUBLISHED, OUTBOX_BACKLOG
from pm_common.mongo import Collection, Mongo

log = logging.getLogger(__name__)

__all__ = ["PARKED", "OutboxRelay"]


@dataclass
class _Work:
    """One document to publish and the pointers that may be deleted once it is done."""

    pointers: dict[str, tuple[list[str], bool]] = field(default_factory=dict)  # id -> (events, safe to drop)
    alone: tuple[dict[str, Any], Any] | None = None  # (entries, version) if all it has pending: no read


class OutboxRelay(Sender):
    def __init__(
        self,
        publisher: KafkaPublisher,
        collections: list[Collection],
        *,
        mongo: Mongo | None = None,
        sweep_seconds: float = 5.0,
        settle_seconds: float = 2.0,
        grace_seconds: float = 120.0,
        park_after: int = 5,
        batch: int = 500,
    ) -> None:
        self.publisher = publisher
        self.collections = {c.name: c for c in collections}
        self.sweep_seconds = sweep_seconds
        self.settle = settle_seconds
        self.grace = grace_seconds
        self.park_after = park_after
        self.batch = batch
        self.last_error: str | None = None
        self.backlog = 0
        # documents to publish (with their pointers), one publisher task per document, sends at once
        self._queued: dict[tuple[str, Any], _Work] = {}
        self._running: dict[tuple[str, Any], asyncio.Task[int]] = {}
        self._slots = asyncio.Semaphore(batch)
        self._active = False  # ``run`` is running: hints are published at once, each in its own task
        self._failures: dict[str, tuple[int, str]] = {}  # event id -> (refusals, last reason)
        first = next(iter(collections), None)
        self._db = mongo.db if mongo is not None else (first.database if first is not None else None)
        self._drops = mongo.outbox.drops if mongo is not None else None
        if mongo is not None:
            mongo.outbox.listen(self.hint)

    def hint(
        self,
        collection: str,
        doc_id: Any,
        pointer: str,
        event_ids: list[str],
        alone: tuple[dict[str, Any], Any] | None = None,
    ) -> None:
        """A tracked write just committed these outbox entries to this document (called synchronously);
        ``alone`` = ``(entries, version)`` when they are all the document has pending."""
        self._enqueue((collection, doc_id), {pointer: (event_ids, True)}, alone)  # known written: pointer may go

    def _enqueue(
        self,
        key: tuple[str, Any],
        pointers: dict[str, tuple[list[str], bool]],
        alone: tuple[dict[str, Any], Any] | None = None,
    ) -> None:
        fresh = key not in self._queued and key not in self._running  # nothing else of it queued or in flight
        work = self._queued.setdefault(key, _Work())
        work.alone = alone if fresh and alone is not None else None  # anything merged: read the document
        for pointer, (events, safe) in pointers.items():
            known = work.pointers.get(pointer)
            work.pointers[pointer] = (events, safe or (known is not None and known[1]))
        if self._active:
            self._spawn(key)

    def _spawn(self, key: tuple[str, Any]) -> asyncio.Task[int]:
        """This document's publisher task (started unless running): it publishes what is queued for the
        document until nothing is; one task per document keeps its order, documents never wait for each other."""
        task = self._running.get(key)
        if task is None:
            task = asyncio.create_task(self._drain(key), name="outbox-publish")
            self._running[key] = task
        return task

    async def _drain(self, key: tuple[str, Any]) -> int:
        published = 0  # what the sweep counts
        try:
            while (work := self._queued.pop(key, None)) is not None:
                async with self._slots:
                    published += await self._publish_doc(key, work)
        except Exception as exc:  # the pointers stay: the next sweep publishes the document
            self.last_error = f"{type(exc).__name__}: {exc}"
            log.warning("outbox relay: publishing %s/%r failed, the sweep retries: %s", *key, self.last_error)
        finally:
            self._running.pop(key, None)
        return published

    async def _drop(self, pointer: str) -> None:
        """Delete a pointer (with the other tasks' deletes in flight meanwhile: one round trip)."""
        if self._drops is not None:
            await self._drops.delete(pointer)
        else:
            await self._pointers().delete_one({"_id": pointer})

    def _pointers(self) -> Any:
        assert self._db is not None, "the relay needs the service database"
        return self._db["outbox_pending"]

    # -- passes ------------------------------------------------------------------------------
    async def run_once(self) -> int:
        """Publish everything pending now (hints and every pointer, whatever its age)."""
        published = await self._publish_hinted()
        return published + await self.sweep(min_age=0.0)

    async def sweep(self, *, min_age: float | None = None) -> int:
        """Publish what the pointers say is pending (writes of other processes, or before a crash)."""
        min_age = self.settle if min_age is None else min_age
        now = datetime.now(UTC)
        work: dict[tuple[str, Any], _Work] = {}
        count = 0
        async for pointer in self._pointers().find({}):
            count += 1
            at = pointer.get("t")
            age = (now - at).total_seconds() if isinstance(at, datetime) else self.grace
            if age < min_age:
                continue
            item = work.setdefault((pointer["c"], pointer["d"]), _Work())
            item.pointers[pointer["_id"]] = (list(pointer.get("e") or []), age >= self.grace)
            if len(work) >= self.batch:
                break
        self.backlog = count
        OUTBOX_BACKLOG.set(count)
        if not self._active:
            return await self._publish(work)
        for key, item in work.items():  # through the documents' publisher tasks (one per document)
            self._enqueue(key, item.pointers)
        tasks = {self._spawn(key) for key in work}
        return sum(await asyncio.gather(*tasks)) if tasks else 0

    async def _publish_hinted(self) -> int:
        """Publish what was queued while ``run`` is not running (``run_once``, tests, tools)."""
        total = 0
        while self._queued:
            keys = list(self._queued)[: self.batch]
            total += await self._publish({key: self._queued.pop(key) for key in keys})
        return total

    async def _publish(self, work: dict[tuple[str, Any], _Work]) -> int:
        if not work:
            return 0
        results = await asyncio.gather(*(self._publish_doc(key, item) for key, item in work.items()))
        return sum(results)

    async def _publish_doc(self, key: tuple[str, Any], item: _Work) -> int:
        coll_name, doc_id = key
        coll = self.collections.get(coll_name)
        if coll is None:
            log.warning("outbox pointer for unknown collection %s (document %r)", coll_name, doc_id)
            return 0
        if item.alone is not None:  # handed over by the writer: these are all the document has pending
            doc: dict[str, Any] | None = {"outbox": item.alone[0], "version": item.alone[1]}
        else:
            doc = await coll.find_one({"_id": doc_id}, {"outbox": 1, "version": 1})
        entries: dict[str, dict[str, Any]] = (doc or {}).get("outbox") or {}
        present = set(entries)
        sent: list[str] = []
        parked: list[tuple[str, dict[str, Any], str]] = []
        for event_id, (exc, park) in (await self._send_all(entries)).items():
            entry = entries[event_id]
            if exc is None:
                self._failures.pop(event_id, None)
                sent.append(event_id)
            elif park:
                parked.append((event_id, entry, f"{type(exc).__name__}: {exc}"))
        if sent or parked:
            assert self._db is not None
            await mark(self._db, coll, doc_id, (doc or {}).get("version"), sent, parked)
            for event_id, _, _ in parked:
                self._failures.pop(event_id, None)
        done = set(sent) | {p[0] for p in parked}
        remaining = present - done
        for pointer, (events, safe) in item.pointers.items():
            if remaining & set(events):
                continue  # still pending
            # all out now, or not in the document: published earlier, or (old enough) never written
            if safe or set(events) <= done:
                await self._drop(pointer)
        for event_id, entry in entries.items():
            if event_id in sent:
                EVENTS_PUBLISHED.labels(entry["topic"]).inc()
        return len(sent)

    # -- loop --------------------------------------------------------------------------------
    async def run(self, stop: asyncio.Event) -> None:
        """Hints are published as they come (each document by its own task); the sweep runs at start-up
        (recovering what a crash left behind) and every ``sweep_seconds``."""
        self._active = True
        next_sweep = 0.0  # at once
        backoff = 0.5
        try:
            while not stop.is_set():
                for key in list(self._queued):  # queued before start, or left by a failed task
                    self._spawn(key)
                try:
                    if time.monotonic() >= next_sweep:
                        await self.sweep(min_age=0.0 if next_sweep == 0.0 else None)
                        next_sweep = time.monotonic() + self.sweep_seconds
                    if not self._failures and not self._running:
                        self.last_error = None
                    backoff = 0.5
                    timeout = max(0.0, next_sweep - time.monotonic())
                except asyncio.CancelledError:
                    raise
                except Exception as exc:
                    self.last_error = f"{type(exc).__name__}: {exc}"
                    log.warning("outbox relay pass failed, will retry: %s", self.last_error)
                    timeout = backoff
                    backoff = min(backoff * 2, 10.0)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout)
        finally:
            self._active = False
            running = list(self._running.values())
            if running:  # let sends in flight finish briefly; what is left is swept at the next start
                _, late = await asyncio.wait(running, timeout=5)
                for task in late:
                    task.cancel()
