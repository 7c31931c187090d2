"""The raw floor of accepting one complaint: a bare driver insert of a same-size document, then an
acknowledged (acks=all, idempotent) Kafka send of the same event — nothing else, no HTTP, no checks."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass, replace
from typing import Any

import bson
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient
from harness import AUTH, KAFKA, MONGO_URL
from load import Step, closed_loop, open_loop

from pm_common.kafka.admin import ensure_topics
from pm_common.mongo import Mongo
from pm_common.testing import poll_until
from pm_common.topics import TOPICS, TopicSpec

PARTITIONS = TOPICS["complaint.received"].partitions


@dataclass(frozen=True)
class Template:
    document: dict[str, Any]  # as intake inserted it: state + outbox entry
    topic: str
    key: bytes | None
    value: bytes
    headers: list[tuple[str, bytes]]

    @property
    def size(self) -> int:
        return len(bson.encode(self.document))


async def template_from(db: Mongo, topic: str, complaint_id: str) -> Template:
    """Rebuild what intake wrote for one real complaint: its stored document plus the published event
    (read back from the topic) as the outbox entry it carried before the relay removed it."""
    stored = await db.collection("complaints").find_one({"_id": complaint_id})
    if stored is None:
        raise RuntimeError(f"complaint {complaint_id} not found for the floor template")
    consumer = AIOKafkaConsumer(topic, bootstrap_servers=KAFKA, group_id=None, auto_offset_reset="earliest", **AUTH)
    await consumer.start()
    try:
        record = None
        for _ in range(50):
            batch = await consumer.getmany(timeout_ms=200, max_records=500)
            found = [r for rs in batch.values() for r in rs if r.key == complaint_id.encode()]
            if found:
                record = found[0]
                break
        if record is None:
            raise RuntimeError(f"event of {complaint_id} not found on {topic}")
    finally:
        await consumer.stop()
    headers = list(record.headers or [])
    stored.pop("outbox_pending", None)
    entry = {
        "topic": "complaint.received",
        "key": complaint_id,
        "seq": 0,
        "event": (record.value or b"").decode(),
        "headers": [{"k": k, "v": v.decode()} for k, v in headers],
    }
    document = {**stored, "outbox": {uuid.uuid4().hex: entry}, "outbox_pending": 1}
    return Template(document, topic, record.key, record.value or b"", headers)


def _producer() -> AIOKafkaProducer:
    return AIOKafkaProducer(bootstrap_servers=KAFKA, acks="all", enable_idempotence=True, linger_ms=5, **AUTH)


async def scratch_topics(prefix: str, names: list[str]) -> list[str]:
    """Topics of the floor, under the run's prefix, as many partitions as ``complaint.received``."""
    topics = [f"{prefix}floor.{name}" for name in names]
    await ensure_topics(KAFKA, specs=[TopicSpec(t, PARTITIONS, "bench floor") for t in topics])
    return topics


async def delete_topics(prefix: str) -> None:
    """Remove every topic of this run (services' and the floor's) from the shared broker."""
    admin = AIOKafkaAdminClient(bootstrap_servers=KAFKA, **AUTH)
    await admin.start()
    try:
        mine = [t for t in await admin.list_topics() if t.startswith(prefix)]
        if mine:
            await admin.delete_topics(mine)
    finally:
        await admin.close()


async def measure_floor(template: Template, topic: str, total: int, concurrency: int) -> float:
    """Operations per second of insert + acked send, ``concurrency`` at a time (a scratch collection)."""
    template = replace(template, topic=topic)
    db = Mongo(MONGO_URL, f"bench_floor_{uuid.uuid4().hex[:8]}")
    raw = db.db["complaints"]  # the bare motor collection: no outbox tracking, no locks
    producer = _producer()
    await producer.start()
    try:

        async def op(i: int) -> None:
            await raw.insert_one({**template.document, "_id": uuid.uuid4().hex})
            await producer.send_and_wait(template.topic, template.value, key=template.key, headers=template.headers)

        await op(-1)  # connect both clients before timing
        for partition in range(PARTITIONS):  # and learn every partition's leader (a new topic)
            await producer.send_and_wait(template.topic, template.value, partition=partition)
        return await closed_loop(op, total, concurrency)
    finally:
        await producer.stop()
        await db.drop_database()
        db.close()


async def chain_floor(
    template: Template, topics: list[str], rate: float, duration: float, *, burst: int = 0, concurrency: int = 16
) -> tuple[Step, float]:
    """The raw floor of a path through ``len(topics)`` hops, open loop at ``rate``: insert + acked send;
    at each hop a consumer reads the event and inserts + sends the next one; the last hop inserts.
    Latency of each item: scheduled time → its last insert acknowledged (what "task persisted" is).
    Then ``burst`` items sent ``concurrency`` at a time: seconds until the last one's last insert."""
    db = Mongo(MONGO_URL, f"bench_floor_{uuid.uuid4().hex[:8]}")
    raw = db.db["hops"]
    producer = _producer()
    consumers = [
        AIOKafkaConsumer(t, bootstrap_servers=KAFKA, group_id=f"{t}.g", auto_offset_reset="earliest", **AUTH)
        for t in topics
    ]
    done: dict[bytes, asyncio.Future[None]] = {}
    await producer.start()
    for consumer in consumers:
        await consumer.start()

    async def relay(hop: int) -> None:
        async for record in consumers[hop]:
            key = record.key or b""
            await raw.insert_one({**template.document, "_id": f"{key.decode()}:{hop + 1}"})
            if hop + 1 < len(topics):
                await producer.send_and_wait(topics[hop + 1], record.value, key=key, headers=template.headers)
            elif key in done and not done[key].done():
                done[key].set_result(None)

    relays = [asyncio.create_task(relay(h)) for h in range(len(topics))]
    loop = asyncio.get_running_loop()

    async def accept(i: int) -> bytes:
        key = f"{uuid.uuid4().hex}".encode()
        done[key] = loop.create_future()
        await raw.insert_one({**template.document, "_id": f"{key.decode()}:0"})
        await producer.send_and_wait(topics[0], template.value, key=key, headers=template.headers)
        return key

    async def send(i: int) -> tuple[bool, Any]:
        await asyncio.wait_for(done[await accept(i)], 60)
        return True, None

    try:
        await poll_until(_assigned(consumers), timeout=60, interval=0.1, what="floor consumers assigned")
        step = await open_loop(send, rate, duration)
        began = loop.time()
        waiting: list[asyncio.Future[None]] = []

        async def one(i: int) -> None:
            waiting.append(done[await accept(i)])

        if burst:
            await closed_loop(one, burst, concurrency)
            await asyncio.wait_for(asyncio.gather(*waiting), 600)
        return step, loop.time() - began
    finally:
        for task in relays:
            task.cancel()
        await asyncio.gather(*relays, return_exceptions=True)
        for consumer in consumers:
            await consumer.stop()
        await producer.stop()
        await db.drop_database()
        db.close()


def _assigned(consumers: list[AIOKafkaConsumer]) -> Any:
    async def check() -> bool:
        return all(c.assignment() for c in consumers)

    return check
