"""Outbox relay: publishes events written into documents by ``mongo.with_outbox`` and marks them sent.

Work is proportional to what is pending, never to what is stored:
- **hints**: every tracked write in this process hands the relay its document id at once; the relay
  reads that document by ``_id`` and publishes its entries (no polling delay, no query on state);
- **sweep**: at start-up and every ``sweep_seconds`` the relay reads the small ``outbox_pending``
  pointer collection (one pointer per unpublished write) and publishes what earlier processes, other
  replicas or a crash left behind.

Per document, entries are published in write order, each acknowledged (acks=all, idempotent
producer) before the next of the same document is sent; documents are published concurrently so
sends are pipelined across keys. An entry is removed only after the broker acknowledged it, so a
crash in between re-publishes it: at-least-once, consumers dedupe.

Failures are isolated per document: one entry the broker refuses holds back only the later entries
of its own document (per-key order) — never other documents. An entry refused ``park_after`` times
(or refused with a non-retriable error such as "message too large" that many times) is **parked**:
moved to ``outbox_parked.<event id>`` in the same document with the reason, listed in the
``outbox_parked`` collection, counted in ``pm_outbox_parked_total``; ``python -m
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

from aiokafka.errors import KafkaError, KafkaTimeoutError

from pm_common.events.envelope import CONTENT_TYPE
from pm_common.faults import crash_point
from pm_common.kafka.producer import KafkaPublisher
from pm_common.metrics import EVENTS_PUBLISHED, OUTBOX_BACKLOG, OUTBOX_PARKED, OUTBOX_PUBLISH_FAILURES
from pm_common.mongo import Collection, Mongo
from pm_common.versioned import VersionedCollection

log = logging.getLogger(__name__)

PARKED = "outbox_parked"


@dataclass
class _Work:
    """One document to publish and the pointers that may be deleted once it is done."""

    pointers: dict[str, tuple[list[str], bool]] = field(default_factory=dict)  # id -> (events, safe to drop)


class OutboxRelay:
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
        self._hints: dict[tuple[str, Any], dict[str, list[str]]] = {}
        self._wake = asyncio.Event()
        self._failures: dict[str, tuple[int, str]] = {}  # event id -> (refusals, last reason)
        first = next(iter(collections), None)
        self._db = mongo.db if mongo is not None else (first.database if first is not None else None)
        if mongo is not None:
            mongo.outbox.listen(self.hint)

    # -- inputs ------------------------------------------------------------------------------
    def hint(self, collection: str, doc_id: Any, pointer: str, event_ids: list[str]) -> None:
        """A tracked write just committed these outbox entries to this document (called synchronously)."""
        self._hints.setdefault((collection, doc_id), {})[pointer] = event_ids
        self._wake.set()

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
        return await self._publish(work)

    async def _publish_hinted(self) -> int:
        total = 0
        while self._hints:
            keys = list(self._hints)[: self.batch]
            # the write is known to have committed: its pointer can go once its events are out
            work = {key: _Work({p: (e, True) for p, e in self._hints.pop(key).items()}) for key in keys}
            total += await self._publish(work)
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
            await self._mark(coll, doc_id, (doc or {}).get("version"), sent, parked)
        done = set(sent) | {p[0] for p in parked}
        remaining = present - done
        for pointer, (events, safe) in item.pointers.items():
            if remaining & set(events):
                continue  # still pending
            # all out now, or not in the document: published earlier, or (old enough) never written
            if safe or set(events) <= done:
                await self._pointers().delete_one({"_id": pointer})
        for event_id, entry in entries.items():
            if event_id in sent:
                EVENTS_PUBLISHED.labels(entry["topic"]).inc()
        return len(sent)

    async def _send_all(self, entries: dict[str, dict[str, Any]]) -> dict[str, tuple[BaseException | None, bool]]:
        """Send a document's entries, pipelined: all are enqueued in document order (the idempotent
        producer keeps that order within a partition, so per key) and then acknowledged together.
        An entry refused when enqueued holds back the later entries of its key (left for the next
        pass) unless it is parked now; entries of other keys go on. Returns, per attempted entry, the
        error (``None`` when acknowledged) and whether the entry is to be parked."""
        pending: list[tuple[str, asyncio.Future[Any]]] = []
        outcome: dict[str, tuple[BaseException | None, bool]] = {}
        blocked: set[str] = set()
        for event_id, entry in entries.items():  # document order = write order
            key = str(entry.get("key"))
            if key in blocked:
                continue
            try:
                crash_point("outbox.before_publish")  # test-only fault hook (PM_FAULT_CRASH_AT)
                headers = entry.get("headers")
                if headers is None:  # written by an older release: the value is a structured-mode event
                    headers = [{"k": "content-type", "v": CONTENT_TYPE}]
                future = await self.publisher.enqueue(
                    entry["topic"],
                    entry["event"].encode(),
                    key.encode(),
                    [(str(h["k"]), str(h["v"]).encode()) for h in headers],
                )
                pending.append((event_id, future))
            except (KafkaError, TimeoutError, OSError, ValueError, KeyError, TypeError) as exc:
                park = self._failed(event_id, entry, exc)
                outcome[event_id] = (exc, park)
                if not park:
                    blocked.add(key)
        failed_in_flight = False
        for event_id, future in pending:
            try:
                await asyncio.wait_for(future, 30)
                crash_point("outbox.after_publish")
                outcome[event_id] = (None, False)
            except (KafkaError, TimeoutError, OSError) as exc:
                outcome[event_id] = (exc, self._failed(event_id, entries[event_id], exc))
                failed_in_flight = True
        if failed_in_flight:
            await self.publisher.reset()  # a fresh producer (and connection) for the next pass
        return {event_id: outcome[event_id] for event_id in entries if event_id in outcome}

    def _failed(self, event_id: str, entry: dict[str, Any], exc: BaseException) -> bool:
        """Record a failed send; ``True`` when the entry should be parked."""
        reason = f"{type(exc).__name__}: {exc}"
        self.last_error = reason
        OUTBOX_PUBLISH_FAILURES.labels(str(entry.get("topic"))).inc()
        return self._refused(event_id, exc, reason)

    def _refused(self, event_id: str, exc: BaseException, reason: str) -> bool:
        """Count a refusal of this entry; ``True`` when it should be parked.

        Malformed entries are parked at once. Broker refusals count only when the error is about the
        message (non-retriable); an unreachable broker refuses everything and parks nothing."""
        if isinstance(exc, ValueError | KeyError | TypeError):
            return True
        if isinstance(exc, KafkaError) and not exc.retriable and not isinstance(exc, KafkaTimeoutError):
            refusals = self._failures.get(event_id, (0, ""))[0] + 1
            self._failures[event_id] = (refusals, reason)
            return refusals >= self.park_after
        return False

    async def _mark(
        self,
        coll: Collection,
        doc_id: Any,
        version: int | None,
        sent: list[str],
        parked: list[tuple[str, dict[str, Any], str]],
    ) -> None:
        now = datetime.now(UTC)

        def marking(present: set[str]) -> dict[str, Any] | None:
            """The update that marks what is still in the outbox as sent or parked."""
            out = [e for e in sent if e in present]
            park = [(e, entry, reason) for e, entry, reason in parked if e in present]
            if not out and not park:
                return None
            update: dict[str, Any] = {
                "$inc": {"outbox_pending": -(len(out) + len(park))},
                "$unset": {f"outbox.{e}": "" for e in [*out, *(p[0] for p in park)]},
            }
            if park:
                update["$set"] = {f"{PARKED}.{e}": {**en, "reason": r[:2000], "parked_at": now} for e, en, r in park}
            return update

        if version is None:
            update = marking(set(sent) | {p[0] for p in parked})
            if update is not None:
                await coll.update_one({"_id": doc_id}, update)
        else:  # other processes write this document: take part in its optimistic concurrency

            def decide(doc: dict[str, Any]) -> dict[str, Any] | None:
                return marking(set(doc.get("outbox") or {}))  # another relay may have marked some

            await VersionedCollection(coll).mutate(doc_id, decide)
        for event_id, entry, reason in parked:
            OUTBOX_PARKED.labels(str(entry.get("topic"))).inc()
            log.error("outbox entry %s of %s/%r parked: %s", event_id, coll.name, doc_id, reason)
            assert self._db is not None
            with contextlib.suppress(Exception):  # the listing is a convenience; the entry is in the doc
                await self._db[PARKED].replace_one(
                    {"_id": event_id},
                    {"c": coll.name, "d": doc_id, "topic": entry.get("topic"), "reason": reason[:2000], "at": now},
                    upsert=True,
                )
            self._failures.pop(event_id, None)

    # -- loop --------------------------------------------------------------------------------
    async def run(self, stop: asyncio.Event) -> None:
        next_sweep = 0.0  # at once: start-up recovers what a crash left behind
        backoff = 0.5
        while not stop.is_set():
            try:
                await self._publish_hinted()
                if time.monotonic() >= next_sweep:
                    await self.sweep(min_age=0.0 if next_sweep == 0.0 else None)
                    next_sweep = time.monotonic() + self.sweep_seconds
                if not self._failures:
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
            self._wake.clear()
            if self._hints:
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(_first(stop, self._wake), timeout)


async def _first(*events: asyncio.Event) -> None:
    waiters = [asyncio.ensure_future(e.wait()) for e in events]
    try:
        await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for w in waiters:
            w.cancel()
