"""Consumer loop: manual commit after the handler's state change is durable, bounded retries, DLQ.

Failure policy per message:
- cannot be parsed / unknown type / ``PermanentError`` → ``<topic>.dlq`` at once;
- engine unreachable (DB or broker) → retried until it comes back (nothing is dead-lettered
  because an engine was down, and the offset is not committed);
- any other exception → retried ``max_attempts`` times with backoff, then dead-lettered.
"""

from __future__ import annotations

import asyncio
import logging
import traceback
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from aiokafka.errors import KafkaError
from pydantic import BaseModel, ValidationError

from pm_common.events.envelope import Envelope
from pm_common.events.registry import UnknownEventType, parse_payload
from pm_common.faults import crash_point
from pm_common.kafka.producer import KafkaPublisher
from pm_common.logging import correlation_id
from pm_common.metrics import MESSAGES_CONSUMED
from pm_common.mongo import TRANSIENT_DB_ERRORS
from pm_common.topics import dlq

log = logging.getLogger(__name__)

Handler = Callable[[Envelope, BaseModel], Awaitable[None]]
TRANSIENT = (*TRANSIENT_DB_ERRORS, KafkaError, ConnectionError, TimeoutError)


class PermanentError(Exception):
    """The message can never succeed: dead-letter it with this reason."""


class ConsumerLoop:
    def __init__(
        self,
        *,
        bootstrap: str,
        group_id: str,
        handlers: dict[str, Handler],
        publisher: KafkaPublisher,
        prefix: str = "",
        max_attempts: int = 5,
        retry_base_seconds: float = 0.2,
    ) -> None:
        self.bootstrap = bootstrap
        self.group_id = group_id
        self.handlers = handlers
        self.publisher = publisher
        self.prefix = prefix
        self.max_attempts = max_attempts
        self.retry_base = retry_base_seconds
        self.connected = False
        self.last_error: str | None = None

    async def _start(self, stop: asyncio.Event) -> AIOKafkaConsumer | None:
        backoff = 0.5
        while not stop.is_set():
            consumer = AIOKafkaConsumer(
                *[self.prefix + t for t in self.handlers],
                bootstrap_servers=self.bootstrap,
                group_id=self.group_id,
                enable_auto_commit=False,
                auto_offset_reset="earliest",
                max_poll_records=100,
            )
            try:
                await consumer.start()
                return consumer
            except KafkaError as exc:
                await consumer.stop()
                self.last_error = f"{type(exc).__name__}: {exc}"
                log.warning("consumer %s cannot start yet: %s", self.group_id, self.last_error)
                await _sleep_or_stop(stop, backoff)
                backoff = min(backoff * 2, 5.0)
        return None

    async def run(self, stop: asyncio.Event) -> None:
        consumer = await self._start(stop)
        if consumer is None:
            return
        try:
            while not stop.is_set():
                try:
                    batches = await consumer.getmany(timeout_ms=500, max_records=100)
                    self.connected = True
                except KafkaError as exc:
                    self.connected = False
                    self.last_error = f"{type(exc).__name__}: {exc}"
                    log.warning("consumer %s poll failed: %s", self.group_id, self.last_error)
                    await _sleep_or_stop(stop, 1.0)
                    continue
                for tp, records in batches.items():
                    for record in records:
                        if not await self._process(record, stop):
                            return  # stopping in the middle of a retry: nothing committed for it
                        crash_point("consumer.before_commit")
                    await self._commit(consumer, tp, records[-1].offset + 1, stop)
        finally:
            self.connected = False
            await consumer.stop()

    async def _commit(self, consumer: AIOKafkaConsumer, tp: TopicPartition, offset: int, stop: asyncio.Event) -> None:
        try:
            await consumer.commit({tp: offset})
        except KafkaError as exc:  # redelivery after rebalance is fine: handlers are idempotent
            log.warning("commit failed for %s@%s: %s", tp, offset, exc)

    async def _process(self, record: ConsumerRecord, stop: asyncio.Event) -> bool:
        topic = record.topic[len(self.prefix) :]
        try:
            envelope = Envelope.model_validate_json(record.value)
            payload = parse_payload(envelope)
        except (ValidationError, UnknownEventType, ValueError) as exc:
            return await self._dead_letter(record, topic, f"invalid event: {exc}", stop)
        token = correlation_id.set(envelope.correlationid)
        try:
            attempt = 0
            while not stop.is_set():
                try:
                    await self.handlers[topic](envelope, payload)
                    MESSAGES_CONSUMED.labels(topic, "ok").inc()
                    return True
                except PermanentError as exc:
                    return await self._dead_letter(record, topic, str(exc), stop)
                except TRANSIENT as exc:
                    self.last_error = f"{type(exc).__name__}: {exc}"
                    log.warning("transient failure on %s (event %s), retrying: %s", topic, envelope.id, exc)
                    await _sleep_or_stop(stop, min(self.retry_base * 2 ** min(attempt, 5), 5.0))
                    attempt += 1
                except Exception as exc:
                    attempt += 1
                    log.exception("handler failed on %s (event %s), attempt %s", topic, envelope.id, attempt)
                    if attempt >= self.max_attempts:
                        detail = "".join(traceback.format_exception_only(exc)).strip()
                        return await self._dead_letter(record, topic, f"failed {attempt} times: {detail}", stop)
                    await _sleep_or_stop(stop, self.retry_base * 2**attempt)
            return False
        finally:
            correlation_id.reset(token)

    async def _dead_letter(self, record: ConsumerRecord, topic: str, reason: str, stop: asyncio.Event) -> bool:
        headers = [
            *(record.headers or []),
            ("dlq_reason", reason[:2000].encode()),
            ("dlq_topic", record.topic.encode()),
            ("dlq_partition", str(record.partition).encode()),
            ("dlq_offset", str(record.offset).encode()),
            ("dlq_group", self.group_id.encode()),
            ("dlq_failed_at", datetime.now(UTC).isoformat().encode()),
        ]
        while not stop.is_set():
            try:
                await self.publisher.send_raw(dlq(topic), record.value or b"", record.key, headers)
                MESSAGES_CONSUMED.labels(topic, "dead_lettered").inc()
                log.error("dead-lettered %s@%s:%s: %s", record.topic, record.partition, record.offset, reason)
                return True
            except TRANSIENT as exc:
                log.warning("DLQ publish failed, retrying: %s", exc)
                await _sleep_or_stop(stop, 1.0)
        return False


async def _sleep_or_stop(stop: asyncio.Event, seconds: float) -> None:
    try:
        await asyncio.wait_for(stop.wait(), seconds)
    except TimeoutError:
        pass
