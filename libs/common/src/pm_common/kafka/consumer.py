"""Consumer loop: manual commit after the handler's state change is durable, bounded retries, DLQ.

Failure policy per message, with two separate budgets:
- cannot be parsed / unknown type / larger than ``max_event_bytes`` / ``PermanentError`` →
  ``<topic>.dlq`` at once (every group decides the same way, so each dead-letters it once);
- engine unreachable (DB or broker, ``TRANSIENT``) → retried in-line for at most
  ``transient_inline_seconds``; then the partition is **paused** and the record is retried after a
  growing backoff while the loop keeps polling (so the consumer never exceeds
  ``max_poll_interval`` and is never kicked out of its group while it keeps working). An outage
  never dead-letters anything and never uses up the failure budget;
- any other exception → retried ``max_attempts`` times with backoff, then dead-lettered.

Partitions fetched together are handled concurrently, each in its own order (one task per partition
of the batch); within a partition records are handled one after another, and its offset is committed
after its batch.

A client whose polls keep failing for ``fresh_consumer_after_seconds``, or that has owned no partition
for twice as long and is not a member of its group (the broker says so), is replaced by a fresh one;
what it owned is revoked. Both were seen after a broker ``kill -9``: aiokafka's group coordinator
died for good, or silently stopped rejoining.

Rebalances: a listener commits what is done for revoked partitions, and records of a partition
this instance no longer owns are dropped unprocessed (the new owner gets them). Services may
register their own listeners (e.g. the SLA monitor keeps its schedule per owned partition).
"""

from __future__ import annotations

import asyncio
import enum
import logging
import time
import traceback
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Protocol

from aiokafka import AIOKafkaConsumer, ConsumerRebalanceListener, ConsumerRecord, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import KafkaError, KafkaTimeoutError
from pydantic import BaseModel, ValidationError

from pm_common.events.envelope import Envelope
from pm_common.events.registry import UnknownEventType
from pm_common.events.wire import event_from_kafka
from pm_common.faults import crash_point
from pm_common.kafka.producer import KafkaPublisher
from pm_common.logging import correlation_id
from pm_common.metrics import MESSAGES_CONSUMED, PARTITIONS_PAUSED
from pm_common.mongo import TRANSIENT_DB_ERRORS
from pm_common.topics import dlq

log = logging.getLogger(__name__)

Handler = Callable[[Envelope, BaseModel], Awaitable[None]]
TRANSIENT = (*TRANSIENT_DB_ERRORS, KafkaError, ConnectionError, TimeoutError)
DLQ_KEEP_BYTES = 64 * 1024  # of a message too large for the dead-letter topic
METADATA_MAX_AGE_MS = 5000
# Our producers cannot send more (their max_request_size is the 1 MiB default); a larger event on a
# topic configured to accept it is poison for every consumer (memory, a 16 MiB document cap).
MAX_EVENT_BYTES = 1024 * 1024


class PermanentError(Exception):
    """The message can never succeed: dead-letter it with this reason."""


class RebalanceListener(Protocol):
    """Told which partitions (per topic, without prefix) this instance owns. ``assigned`` receives
    the full new assignment; ``revoked`` what is taken away (eager protocol: all of it)."""

    async def assigned(self, partitions: dict[str, set[int]]) -> None: ...

    async def revoked(self, partitions: dict[str, set[int]]) -> None: ...


class Outcome(enum.Enum):
    DONE = "done"  # handled or dead-lettered: the offset may be committed
    RETRY_LATER = "retry_later"  # engine unreachable: pause the partition, retry this record later
    STOPPED = "stopped"  # the service is stopping: nothing committed for this record


class _Listener(ConsumerRebalanceListener):  # type: ignore[misc]
    def __init__(self, loop: ConsumerLoop) -> None:
        self.loop = loop

    async def on_partitions_revoked(self, revoked: set[TopicPartition]) -> None:
        await self.loop._on_revoked(set(revoked))

    async def on_partitions_assigned(self, assigned: set[TopicPartition]) -> None:
        await self.loop._on_assigned(set(assigned))


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
        transient_inline_seconds: float = 5.0,
        pause_max_seconds: float = 30.0,
        listeners: list[RebalanceListener] | None = None,
        max_event_bytes: int = MAX_EVENT_BYTES,
        fresh_consumer_after_seconds: float = 15.0,
    ) -> None:
        self.bootstrap = bootstrap
        self.group_id = group_id
        self.handlers = handlers
        self.publisher = publisher
        self.prefix = prefix
        self.max_attempts = max_attempts
        self.retry_base = retry_base_seconds
        self.transient_inline = transient_inline_seconds
        self.pause_max = pause_max_seconds
        self.listeners = listeners or []
        self.max_event_bytes = max_event_bytes
        self.fresh_after = fresh_consumer_after_seconds
        self.fresh_consumers = 0  # how often a broken client was replaced (see ``run``)
        self.connected = False
        self.last_error: str | None = None
        self.owned: set[TopicPartition] = set()
        self._consumer: AIOKafkaConsumer | None = None
        self._done: dict[TopicPartition, int] = {}  # next offset to commit, per partition
        self._committed: dict[TopicPartition, int] = {}
        self._paused: dict[TopicPartition, float] = {}  # tp -> monotonic time to resume at
        self._pauses: dict[TopicPartition, int] = {}  # consecutive pauses, for the backoff

    # -- lifecycle --------------------------------------------------------------------------
    async def _start(self, stop: asyncio.Event) -> AIOKafkaConsumer | None:
        backoff = 0.5
        while not stop.is_set():
            consumer = AIOKafkaConsumer(
                bootstrap_servers=self.bootstrap,
                group_id=self.group_id,
                enable_auto_commit=False,
                auto_offset_reset="earliest",
                max_poll_records=100,
                **self.publisher.auth.client_kwargs(),  # the service's own principal
                # A group joined before the broker's metadata lists just-created topics gets no partitions
                # of them and rebalances only when the metadata is refreshed (default every 5 minutes).
                metadata_max_age_ms=METADATA_MAX_AGE_MS,
            )
            try:
                await consumer.start()
                consumer.subscribe([self.prefix + t for t in self.handlers], listener=_Listener(self))
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
        self._consumer = consumer
        failing_since: float | None = None
        unassigned_since: float | None = None
        try:
            while not stop.is_set():
                self._resume_due(consumer)
                if consumer.assignment():
                    unassigned_since = None
                else:
                    unassigned_since = unassigned_since or time.monotonic()
                    if time.monotonic() - unassigned_since >= 2 * self.fresh_after:
                        unassigned_since = None
                        if not await self._in_group(consumer):
                            # the other silent failure seen after a broker kill -9: the client polls
                            # happily, owns nothing and is no longer a member of its group
                            fresh = await self._fresh_consumer(
                                consumer, stop, "owns no partition and is not in its group"
                            )
                            if fresh is None:
                                return
                            consumer = fresh
                            continue
                try:
                    batches = await consumer.getmany(timeout_ms=500, max_records=100)
                    self.connected = True
                    failing_since = None
                except KafkaError as exc:
                    self.connected = False
                    self.last_error = f"{type(exc).__name__}: {exc}"
                    log.warning("consumer %s poll failed: %s", self.group_id, self.last_error)
                    failing_since = failing_since or time.monotonic()
                    if time.monotonic() - failing_since >= self.fresh_after:
                        # aiokafka's group coordinator can die for good after a broker kill -9 ("Unexpected
                        # error during coordination … the handler is closed"): every later poll raises the
                        # same error and the group never gets its partitions back. A fresh client rejoins.
                        fresh = await self._fresh_consumer(consumer, stop, "its polls keep failing")
                        if fresh is None:
                            return
                        consumer = fresh
                        failing_since = None
                        continue
                    await _sleep_or_stop(stop, 1.0)
                    continue
                # partitions are independent (order is kept within each): their batches run side by
                # side, so one partition's database round trips do not hold up the others
                handled = await asyncio.gather(
                    *(self._run_partition(consumer, tp, records, stop) for tp, records in batches.items())
                )
                if not all(handled):
                    return
        finally:
            self.connected = False
            self._consumer = None
            await consumer.stop()

    async def _in_group(self, consumer: AIOKafkaConsumer) -> bool:
        """Whether the broker lists this client among its group's members (``True`` when it cannot
        tell: an unreachable broker is the outage handling's business, not a broken client)."""
        member = getattr(getattr(consumer, "_coordinator", None), "member_id", None)
        admin = AIOKafkaAdminClient(bootstrap_servers=self.bootstrap, **self.publisher.auth.client_kwargs())
        try:
            await admin.start()
            described = await admin.describe_consumer_groups([self.group_id])
            groups = [group for response in described for group in response.groups]
            members = {m[0] for group in groups for m in group[5]}
            empty = any(group[2] == "Empty" for group in groups)
        except (KafkaError, OSError, TimeoutError, IndexError, TypeError) as exc:
            log.debug("consumer %s: group membership unknown: %s", self.group_id, exc)
            return True
        finally:
            await admin.close()
        if empty:  # nobody is in it, so nothing can hold up a join: this client has stopped trying
            return False
        return not member or member in members  # no member id yet: a join in progress (others may be slow)

    async def _fresh_consumer(self, broken: AIOKafkaConsumer, stop: asyncio.Event, why: str) -> AIOKafkaConsumer | None:
        """Replace a broken client (``why``): what it owned is revoked (nothing more can be committed
        through it; uncommitted records are redelivered, handlers are idempotent)."""
        log.warning("consumer %s: the client %s, starting a fresh one", self.group_id, why)
        owned = set(self.owned)
        self._consumer = None
        try:
            await broken.stop()
        except Exception:  # a broken client may fail to leave its group cleanly: the session timeout does
            log.debug("stopping the broken consumer failed", exc_info=True)
        if owned & self.owned:
            await self._on_revoked(owned & self.owned)
        self.fresh_consumers += 1
        fresh = await self._start(stop)
        self._consumer = fresh
        return fresh

    async def _run_partition(
        self, consumer: AIOKafkaConsumer, tp: TopicPartition, records: list[ConsumerRecord], stop: asyncio.Event
    ) -> bool:
        """Process one partition's records in order; ``False`` when the service is stopping."""
        for record in records:
            if tp not in self.owned or tp in self._paused:
                break  # revoked meanwhile (the new owner gets the rest) or paused by an outage
            outcome = await self._process(record, stop)
            if outcome is Outcome.STOPPED:
                return False
            if outcome is Outcome.RETRY_LATER:
                self._pause(consumer, tp, record.offset)
                break
            if tp in self.owned:
                self._done[tp] = record.offset + 1
            crash_point("consumer.before_commit")  # test-only fault hook (PM_FAULT_CRASH_AT)
        await self._commit(consumer, {tp})
        return True

    # -- partitions -------------------------------------------------------------------------
    def _pause(self, consumer: AIOKafkaConsumer, tp: TopicPartition, offset: int) -> None:
        pauses = self._pauses.get(tp, 0)
        delay = min(self.retry_base * 2 ** min(pauses + 3, 10), self.pause_max)
        consumer.pause(tp)
        consumer.seek(tp, offset)
        self._paused[tp] = time.monotonic() + delay
        self._pauses[tp] = pauses + 1
        PARTITIONS_PAUSED.labels(self.group_id).set(len(self._paused))
        log.warning("paused %s at offset %s for %.1fs (engine unreachable)", tp, offset, delay)

    def _resume_due(self, consumer: AIOKafkaConsumer) -> None:
        now = time.monotonic()
        for tp, at in list(self._paused.items()):
            if at <= now:
                consumer.resume(tp)  # the pause count stays until a record of tp succeeds
                self._paused.pop(tp)
        PARTITIONS_PAUSED.labels(self.group_id).set(len(self._paused))

    async def _commit(self, consumer: AIOKafkaConsumer, tps: set[TopicPartition]) -> None:
        offsets = {
            tp: off
            for tp in tps & self.owned
            if (off := self._done.get(tp)) is not None and self._committed.get(tp) != off
        }
        if not offsets:
            return
        try:
            await consumer.commit(offsets)
            self._committed.update(offsets)
        except KafkaError as exc:  # redelivery after rebalance is fine: handlers are idempotent
            log.warning("commit failed for %s: %s", offsets, exc)

    async def _on_revoked(self, revoked: set[TopicPartition]) -> None:
        consumer = self._consumer
        if consumer is not None:
            await self._commit(consumer, revoked & set(self._done))
        self.owned -= revoked
        for tp in revoked:
            self._done.pop(tp, None)
            self._committed.pop(tp, None)
            self._paused.pop(tp, None)
            self._pauses.pop(tp, None)
        await self._tell("revoked", revoked)

    async def _on_assigned(self, assigned: set[TopicPartition]) -> None:
        self.owned = set(assigned)
        await self._tell("assigned", assigned)

    async def _tell(self, what: str, tps: set[TopicPartition]) -> None:
        by_topic: dict[str, set[int]] = {}
        for tp in tps:
            by_topic.setdefault(tp.topic[len(self.prefix) :], set()).add(tp.partition)
        for listener in self.listeners:
            try:
                await getattr(listener, what)(by_topic)
            except Exception:
                log.exception("rebalance listener %r failed on %s", listener, what)

    # -- one record -------------------------------------------------------------------------
    async def _process(self, record: ConsumerRecord, stop: asyncio.Event) -> Outcome:
        topic = record.topic[len(self.prefix) :]
        size = len(record.value or b"")
        if size > self.max_event_bytes:
            return await self._dead_letter(
                record, topic, f"event too large: {size} bytes (limit {self.max_event_bytes})", stop
            )
        try:
            envelope, payload = event_from_kafka(record.value, record.headers)
        except (ValidationError, UnknownEventType, ValueError) as exc:
            return await self._dead_letter(record, topic, f"invalid event: {exc}", stop)
        token = correlation_id.set(envelope.correlationid)
        try:
            return await self._handle(record, topic, envelope, payload, stop)
        finally:
            correlation_id.reset(token)

    async def _handle(
        self, record: ConsumerRecord, topic: str, envelope: Envelope, payload: BaseModel, stop: asyncio.Event
    ) -> Outcome:
        failures = 0
        transient_since: float | None = None
        transient_tries = 0
        while not stop.is_set():
            try:
                await self.handlers[topic](envelope, payload)
                MESSAGES_CONSUMED.labels(topic, "ok").inc()
                self._pauses.pop(TopicPartition(record.topic, record.partition), None)
                return Outcome.DONE
            except PermanentError as exc:
                return await self._dead_letter(record, topic, str(exc), stop)
            except TRANSIENT as exc:
                self.last_error = f"{type(exc).__name__}: {exc}"
                now = time.monotonic()
                transient_since = transient_since or now
                if now - transient_since >= self.transient_inline:
                    log.warning("engine unreachable on %s (event %s): pausing partition", topic, envelope.id)
                    return Outcome.RETRY_LATER
                log.warning("transient failure on %s (event %s), retrying: %s", topic, envelope.id, exc)
                await _sleep_or_stop(stop, min(self.retry_base * 2 ** min(transient_tries, 4), 2.0))
                transient_tries += 1
            except Exception as exc:
                failures += 1
                log.exception("handler failed on %s (event %s), attempt %s", topic, envelope.id, failures)
                if failures >= self.max_attempts:
                    detail = "".join(traceback.format_exception_only(exc)).strip()
                    return await self._dead_letter(record, topic, f"failed {failures} times: {detail}", stop)
                await _sleep_or_stop(stop, self.retry_base * 2**failures)
        return Outcome.STOPPED

    async def _dead_letter(self, record: ConsumerRecord, topic: str, reason: str, stop: asyncio.Event) -> Outcome:
        headers = [
            *(record.headers or []),
            ("dlq_reason", reason[:2000].encode()),
            ("dlq_topic", record.topic.encode()),
            ("dlq_partition", str(record.partition).encode()),
            ("dlq_offset", str(record.offset).encode()),
            ("dlq_group", self.group_id.encode()),
            ("dlq_failed_at", datetime.now(UTC).isoformat().encode()),
        ]
        value = record.value or b""
        while not stop.is_set():
            try:
                await self.publisher.send_raw(dlq(topic), value, record.key, headers)
                MESSAGES_CONSUMED.labels(topic, "dead_lettered").inc()
                log.error("dead-lettered %s@%s:%s: %s", record.topic, record.partition, record.offset, reason)
                return Outcome.DONE
            except KafkaError as exc:
                if exc.retriable or isinstance(exc, KafkaTimeoutError) or len(value) <= DLQ_KEEP_BYTES:
                    log.warning("DLQ publish failed, retrying: %s", exc)
                    await _sleep_or_stop(stop, 1.0)
                    continue
                # refused for its size: keep the head and say where the whole message stays (the
                # source topic keeps it; dlq_topic/partition/offset point at it)
                log.error("dead letter of %s bytes refused (%s): keeping its first %s", len(value), exc, DLQ_KEEP_BYTES)
                headers = [*headers, ("dlq_truncated_from", str(len(value)).encode())]
                value = value[:DLQ_KEEP_BYTES]
            except TRANSIENT as exc:
                log.warning("DLQ publish failed, retrying: %s", exc)
                await _sleep_or_stop(stop, 1.0)
        return Outcome.STOPPED


async def _sleep_or_stop(stop: asyncio.Event, seconds: float) -> None:
    try:
        await asyncio.wait_for(stop.wait(), seconds)
    except TimeoutError:
        pass
