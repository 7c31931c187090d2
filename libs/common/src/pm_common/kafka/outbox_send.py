"""Sending one document's outbox entries (the part of :mod:`pm_common.kafka.outbox` that talks to the broker)."""

from __future__ import annotations

import asyncio
from typing import Any

from aiokafka.errors import KafkaError, KafkaTimeoutError

from pm_common.events.envelope import CONTENT_TYPE
from pm_common.faults import crash_point
from pm_common.kafka.producer import KafkaPublisher
from pm_common.metrics import OUTBOX_PUBLISH_FAILURES


class Sender:
    """Pipelined sends with per-entry refusal counting (``park_after`` refusals park an entry)."""

    publisher: KafkaPublisher
    park_after: int
    last_error: str | None
    _failures: dict[str, tuple[int, str]]

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
