"""Outbox relay: publishes events written into documents by ``mongo.with_outbox`` and marks them sent.

Per document, entries are published in write order; an entry is removed only after the broker
acknowledged it (acks=all), so a crash in between re-publishes it: at-least-once, consumers dedupe.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from pm_common.events.envelope import Envelope
from pm_common.faults import crash_point
from pm_common.kafka.producer import KafkaPublisher
from pm_common.metrics import EVENTS_PUBLISHED, OUTBOX_BACKLOG
from pm_common.mongo import Collection

log = logging.getLogger(__name__)


class OutboxRelay:
    def __init__(
        self,
        publisher: KafkaPublisher,
        collections: list[Collection],
        *,
        poll_seconds: float = 0.5,
        batch: int = 200,
    ) -> None:
        self.publisher = publisher
        self.collections = collections
        self.poll_seconds = poll_seconds
        self.batch = batch
        self.last_error: str | None = None

    async def run_once(self) -> int:
        """Publish every pending entry once; returns how many were published."""
        published = 0
        backlog = 0
        for coll in self.collections:
            cursor = coll.find({"outbox_pending": {"$gt": 0}}, {"outbox": 1}).limit(self.batch)
            async for doc in cursor:
                entries: dict[str, dict[str, Any]] = doc.get("outbox") or {}
                backlog += len(entries)
                for event_id, entry in sorted(entries.items(), key=lambda kv: kv[1]["seq"]):
                    envelope = Envelope.model_validate_json(entry["event"])
                    crash_point("outbox.before_publish")
                    await self.publisher.send_raw(
                        entry["topic"], entry["event"].encode(), entry["key"].encode(), envelope.kafka_headers()
                    )
                    crash_point("outbox.after_publish")
                    await coll.update_one(
                        {"_id": doc["_id"], f"outbox.{event_id}": {"$exists": True}},
                        {"$unset": {f"outbox.{event_id}": ""}, "$inc": {"outbox_pending": -1}},
                    )
                    EVENTS_PUBLISHED.labels(entry["topic"]).inc()
                    published += 1
        OUTBOX_BACKLOG.set(backlog - published)
        return published

    async def run(self, stop: asyncio.Event) -> None:
        backoff = self.poll_seconds
        while not stop.is_set():
            try:
                published = await self.run_once()
                self.last_error = None
                backoff = self.poll_seconds
                if published:
                    continue
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                self.last_error = f"{type(exc).__name__}: {exc}"
                log.warning("outbox relay pass failed, will retry: %s", self.last_error)
                backoff = min(backoff * 2, 10.0)
            try:
                await asyncio.wait_for(stop.wait(), backoff)
            except TimeoutError:
                pass
