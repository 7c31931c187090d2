"""Reading real topics to their end, and consumer-group lag (for the fault-injection checker)."""

from __future__ import annotations

import time
from dataclasses import dataclass

from aiokafka import AIOKafkaConsumer, TopicPartition

from pm_common.events.envelope import Envelope
from pm_common.kafka.admin import admin_client
from pm_common.kafka.security import KafkaAuth


@dataclass(frozen=True)
class Record:
    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes
    headers: dict[str, bytes]

    def envelope(self) -> Envelope | None:
        try:
            return Envelope.read(self.value)
        except ValueError:
            return None


async def read_all(bootstrap: str, topics: list[str], timeout: float = 60.0) -> list[Record]:
    """Every record of ``topics`` from offset 0 up to the end offsets of the moment of the call.

    Done when a record at ``end - 1`` has been seen on every partition (never judged by the
    consumer's position, which may not have been reset yet)."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap,
        group_id=None,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        fetch_max_bytes=16 * 1024 * 1024,
        max_partition_fetch_bytes=16 * 1024 * 1024,
        **KafkaAuth.from_env().client_kwargs(),
    )
    await consumer.start()
    try:
        parts = [TopicPartition(t, p) for t in topics for p in sorted(await _partitions(consumer, t))]
        consumer.assign(parts)
        end = await consumer.end_offsets(parts)
        await consumer.seek_to_beginning(*parts)
        seen: dict[TopicPartition, int] = {}
        records: list[Record] = []
        deadline = time.monotonic() + timeout
        while any(seen.get(tp, 0) < end[tp] for tp in parts):
            if time.monotonic() > deadline:
                stuck = {
                    f"{tp.topic}/{tp.partition}": (seen.get(tp, 0), end[tp])
                    for tp in parts
                    if seen.get(tp, 0) < end[tp]
                }
                raise AssertionError(f"could not read topics to their end in {timeout}s: {stuck}")
            for tp, batch in (await consumer.getmany(timeout_ms=1000)).items():
                for r in batch:
                    if r.offset < end[tp]:
                        headers = {k: v for k, v in (r.headers or [])}
                        records.append(Record(r.topic, r.partition, r.offset, r.key, r.value or b"", headers))
                    seen[tp] = max(seen.get(tp, 0), r.offset + 1)
        return records
    finally:
        await consumer.stop()


async def _partitions(consumer: AIOKafkaConsumer, topic: str) -> set[int]:
    found = consumer.partitions_for_topic(topic)
    if found is None:  # a bare consumer knows no topic yet: ask the cluster
        cluster = await consumer._client.fetch_all_metadata()  # aiokafka has no public equivalent
        found = cluster.partitions_for_topic(topic)
    if found is None:
        raise AssertionError(f"topic {topic} does not exist")
    return set(found)


async def group_lag(bootstrap: str, group: str, topics: list[str]) -> int:
    """Messages of ``topics`` the consumer group has not committed yet (uncommitted partitions count whole)."""
    return sum((await lag_by_partition(bootstrap, group, topics)).values())


async def lag_by_partition(bootstrap: str, group: str, topics: list[str]) -> dict[str, int]:
    """``{"topic/partition": uncommitted messages}`` for every partition of ``topics`` that lags."""
    admin = admin_client(bootstrap)
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=None, **KafkaAuth.from_env().client_kwargs())
    await admin.start()
    await consumer.start()
    try:
        committed = await admin.list_consumer_group_offsets(group)
        parts = [TopicPartition(t, p) for t in topics for p in sorted(await _partitions(consumer, t))]
        end = await consumer.end_offsets(parts)
        lags: dict[str, int] = {}
        for tp in parts:
            meta = committed.get(tp)
            done = meta.offset if meta is not None and meta.offset >= 0 else 0
            if end[tp] > done:
                lags[f"{tp.topic}/{tp.partition}"] = end[tp] - done
        return lags
    finally:
        await consumer.stop()
        await admin.close()
