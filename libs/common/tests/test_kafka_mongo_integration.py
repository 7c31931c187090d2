"""The outbox relay and the consumer loop against the real local broker and document DB."""

from __future__ import annotations

import asyncio

import pytest
from pydantic import BaseModel

from pm_common import topics
from pm_common.events import ComplaintReceived, Envelope
from pm_common.kafka import ConsumerLoop, KafkaPublisher, OutboxRelay, PermanentError
from pm_common.mongo import Mongo, new_with_outbox, with_outbox
from pm_common.testing import EventProbe, poll_until
from pm_common.testing.helpers import received_event as received
from pm_common.testing.helpers import value_of

pytestmark = pytest.mark.integration


async def test_outbox_relay_publishes_in_order_and_marks_sent(mongo: Mongo, engines, topic_prefix: str) -> None:
    coll = mongo.collection("complaints")
    first, second = received("c1"), received("c1")
    await coll.insert_one({"_id": "c1", "status": "received"})
    await coll.update_one(
        {"_id": "c1"}, with_outbox({"$set": {"status": "received"}}, (topics.COMPLAINT_RECEIVED, first))
    )
    await coll.update_one({"_id": "c1"}, with_outbox({"$set": {"status": "x"}}, (topics.COMPLAINT_RECEIVED, second)))
    publisher = KafkaPublisher(engines.kafka_bootstrap, topic_prefix)
    relay = OutboxRelay(publisher, [coll])
    async with EventProbe(engines.kafka_bootstrap, topic_prefix, [topics.COMPLAINT_RECEIVED]) as probe:
        assert await relay.run_once() == 2
        events = await probe.wait_for(topics.COMPLAINT_RECEIVED, count=2)
        assert [e.id for e in events] == [first.id, second.id]
        _, _, headers = probe.events[0]
        assert headers["content-type"] == b"application/cloudevents+json; charset=UTF-8"
    doc = await coll.find_one({"_id": "c1"})
    assert doc["outbox_pending"] == 0 and doc["outbox"] == {}
    assert await relay.run_once() == 0
    await publisher.close()


async def test_outbox_keeps_events_while_kafka_is_unreachable(mongo: Mongo, engines, topic_prefix: str) -> None:
    coll = mongo.collection("complaints")
    event = received("c2")
    await coll.insert_one(new_with_outbox({"_id": "c2"}, (topics.COMPLAINT_RECEIVED, event)))
    dead = KafkaPublisher("127.0.0.1:1", topic_prefix)  # nothing listens there
    relay = OutboxRelay(dead, [coll])
    assert await relay.run_once() == 0  # refused entries are kept, not raised
    assert relay.last_error is not None
    assert (await coll.find_one({"_id": "c2"}))["outbox_pending"] == 1
    assert await mongo.db["outbox_pending"].count_documents({}) == 1  # its pointer stays
    live = KafkaPublisher(engines.kafka_bootstrap, topic_prefix)
    async with EventProbe(engines.kafka_bootstrap, topic_prefix, [topics.COMPLAINT_RECEIVED]) as probe:
        assert await OutboxRelay(live, [coll]).run_once() == 1
        await probe.wait_for(topics.COMPLAINT_RECEIVED, lambda e: e.id == event.id)
    await live.close()
    await dead.close()


async def test_consumer_retries_then_dead_letters_and_commits(mongo: Mongo, engines, topic_prefix: str) -> None:
    publisher = KafkaPublisher(engines.kafka_bootstrap, topic_prefix)
    seen: list[str] = []
    attempts: dict[str, int] = {}

    async def handler(envelope: Envelope, payload: BaseModel) -> None:
        assert isinstance(payload, ComplaintReceived)
        attempts[payload.complaint_id] = attempts.get(payload.complaint_id, 0) + 1
        if payload.complaint_id == "poison":
            raise PermanentError("cannot handle poison")
        if payload.complaint_id == "flaky" and attempts["flaky"] < 3:
            raise RuntimeError("flaky failure")
        seen.append(payload.complaint_id)

    await publisher.publish(topics.COMPLAINT_RECEIVED, received("ok"))
    await publisher.publish(topics.COMPLAINT_RECEIVED, received("poison"))
    await publisher.publish(topics.COMPLAINT_RECEIVED, received("flaky"))
    await publisher.send_raw(topics.COMPLAINT_RECEIVED, b"{not json", b"bad")

    loop = ConsumerLoop(
        bootstrap=engines.kafka_bootstrap,
        group_id=topic_prefix + "g",
        handlers={topics.COMPLAINT_RECEIVED: handler},
        publisher=publisher,
        prefix=topic_prefix,
        max_attempts=5,
        retry_base_seconds=0.01,
    )
    stop = asyncio.Event()
    async with EventProbe(engines.kafka_bootstrap, topic_prefix, [topics.dlq(topics.COMPLAINT_RECEIVED)]) as probe:
        task = asyncio.create_task(loop.run(stop))
        await poll_until(lambda: value_of(sorted(seen) == ["flaky", "ok"]), what="handled messages")
        dlq_topic = topics.dlq(topics.COMPLAINT_RECEIVED)

        async def two_dead() -> bool:
            await probe._drain()
            return len([r for r in probe.raw if r[0] == dlq_topic]) >= 2

        await poll_until(two_dead, what="two dead letters")
        reasons = sorted(h["dlq_reason"].decode()[:14] for t, _, h in probe.raw if t == dlq_topic)
        assert reasons == ["cannot handle ", "invalid event:"]
        assert attempts["flaky"] == 3
        stop.set()
        await task

    # committed: a new loop in the same group sees nothing again
    seen.clear()
    stop2 = asyncio.Event()
    task2 = asyncio.create_task(loop.run(stop2))
    await publisher.publish(topics.COMPLAINT_RECEIVED, received("after"))
    await poll_until(lambda: value_of(seen == ["after"]), what="only the new message")
    stop2.set()
    await task2
    await publisher.close()
