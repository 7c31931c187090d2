"""The outbox relay on the real broker and DB: hints, pointers, isolation of refused entries, parking."""

from __future__ import annotations

import asyncio
import json

import pytest

from pm_common import topics
from pm_common.kafka import KafkaPublisher, OutboxRelay
from pm_common.kafka.outbox_admin import list_parked, retry
from pm_common.mongo import Mongo, new_with_outbox, with_outbox
from pm_common.testing import EventProbe, poll_until
from pm_common.testing.helpers import received_event as received

pytestmark = pytest.mark.integration


async def pointers(mongo: Mongo) -> int:
    return int(await mongo.db["outbox_pending"].count_documents({}))


async def test_one_refused_entry_holds_back_only_its_own_document(mongo: Mongo, engines, topic_prefix: str) -> None:
    coll = mongo.collection("complaints")
    huge = received("big", content="漏水" * 600_000)  # > the 1 MiB request limit: refused for what it is
    after_huge, other = received("big"), received("ok")
    await coll.insert_one(new_with_outbox({"_id": "big"}, (topics.COMPLAINT_RECEIVED, huge)))
    await coll.update_one({"_id": "big"}, with_outbox({"$set": {"n": 2}}, (topics.COMPLAINT_RECEIVED, after_huge)))
    await coll.insert_one(new_with_outbox({"_id": "ok"}, (topics.COMPLAINT_RECEIVED, other)))
    publisher = KafkaPublisher(engines.kafka_bootstrap, topic_prefix)
    relay = OutboxRelay(publisher, [coll], mongo=mongo, park_after=2)
    async with EventProbe(engines.kafka_bootstrap, topic_prefix, [topics.COMPLAINT_RECEIVED]) as probe:
        assert await relay.run_once() == 1  # "ok" goes out; "big" waits (its later entry too: per-key order)
        await probe.wait_for(topics.COMPLAINT_RECEIVED, lambda e: e.id == other.id)
        assert (await coll.find_one({"_id": "big"}))["outbox_pending"] == 2
        assert await relay.run_once() == 1  # second refusal parks it; the later entry then goes out
        await probe.wait_for(topics.COMPLAINT_RECEIVED, lambda e: e.id == after_huge.id)
        assert huge.id not in [e.id for _, e, _ in probe.events]
    doc = await coll.find_one({"_id": "big"})
    assert doc["outbox"] == {} and doc["outbox_pending"] == 0
    assert "MessageSizeTooLarge" in doc["outbox_parked"][huge.id]["reason"]
    parked = await list_parked(mongo)
    assert [p["_id"] for p in parked] == [huge.id] and parked[0]["topic"] == topics.COMPLAINT_RECEIVED
    assert await pointers(mongo) == 0
    # the ops command puts it back; it is tried again (and, still too large, parked again)
    assert await retry(mongo, huge.id) is True
    assert (await coll.find_one({"_id": "big"}))["outbox_pending"] == 1 and await pointers(mongo) == 1
    assert await relay.run_once() == 0
    assert await relay.run_once() == 0
    assert [p["_id"] for p in await list_parked(mongo)] == [huge.id]
    await publisher.close()


async def test_a_write_is_relayed_at_once_without_waiting_for_a_sweep(mongo: Mongo, engines, topic_prefix: str) -> None:
    coll = mongo.collection("complaints")
    publisher = KafkaPublisher(engines.kafka_bootstrap, topic_prefix)
    relay = OutboxRelay(publisher, [coll], mongo=mongo, sweep_seconds=3600)  # no sweep after start-up
    stop = asyncio.Event()
    task = asyncio.create_task(relay.run(stop))
    event = received("c1")
    async with EventProbe(engines.kafka_bootstrap, topic_prefix, [topics.COMPLAINT_RECEIVED]) as probe:
        await coll.insert_one(new_with_outbox({"_id": "c1"}, (topics.COMPLAINT_RECEIVED, event)))
        await probe.wait_for(topics.COMPLAINT_RECEIVED, lambda e: e.id == event.id, timeout=10)
    await poll_until(lambda: pointers_is(mongo, 0), what="pointer deleted")
    assert (await coll.find_one({"_id": "c1"}))["outbox"] == {}
    stop.set()
    await task
    await publisher.close()


async def pointers_is(mongo: Mongo, n: int) -> bool:
    return await pointers(mongo) == n


async def test_a_crash_between_write_and_publish_is_recovered_at_start_up(engines, topic_prefix: str) -> None:
    """The writing process dies before its relay publishes: the pointer survives it and the next
    process's start-up sweep publishes the event (never a scan of the state collection)."""
    from pm_common.testing import unique_name

    name = unique_name("test_")
    crashed = Mongo(engines.mongo_url, name)  # a process with no relay running
    event = received("c9")
    await crashed.collection("complaints").insert_one(
        new_with_outbox({"_id": "c9"}, (topics.COMPLAINT_RECEIVED, event))
    )
    crashed.close()
    restarted = Mongo(engines.mongo_url, name)
    publisher = KafkaPublisher(engines.kafka_bootstrap, topic_prefix)
    relay = OutboxRelay(publisher, [restarted.collection("complaints")], mongo=restarted, sweep_seconds=3600)
    stop = asyncio.Event()
    async with EventProbe(engines.kafka_bootstrap, topic_prefix, [topics.COMPLAINT_RECEIVED]) as probe:
        task = asyncio.create_task(relay.run(stop))
        await probe.wait_for(topics.COMPLAINT_RECEIVED, lambda e: e.id == event.id, timeout=15)
    await poll_until(lambda: pointers_is(restarted, 0), what="pointer deleted")
    stop.set()
    await task
    await publisher.close()
    await restarted.drop_database()
    restarted.close()


async def test_entries_are_published_as_stored_and_in_write_order(mongo: Mongo, engines, topic_prefix: str) -> None:
    """A stored entry is sent byte for byte (an older or newer schema is never re-parsed), and one
    document's entries go out in write order (event ids are random, so no sort could fake it)."""
    coll = mongo.collection("complaints")
    await coll.insert_one({"_id": "c1", "n": 0})
    events = [received("c1") for _ in range(8)]
    for i, event in enumerate(events):
        await coll.update_one({"_id": "c1"}, with_outbox({"$set": {"n": i}}, (topics.COMPLAINT_RECEIVED, event)))
    foreign = json.dumps({**json.loads(events[0].model_dump_json()), "id": "x-future", "schemaversion": 99, "extra": 1})
    await coll.update_one(
        {"_id": "c1"},
        {
            "$set": {"outbox.x-future": {"topic": topics.COMPLAINT_RECEIVED, "key": "c1", "seq": 0, "event": foreign}},
            "$inc": {"outbox_pending": 1},
        },
    )
    publisher = KafkaPublisher(engines.kafka_bootstrap, topic_prefix)
    relay = OutboxRelay(publisher, [coll], mongo=mongo)
    async with EventProbe(engines.kafka_bootstrap, topic_prefix, [topics.COMPLAINT_RECEIVED]) as probe:
        assert await relay.run_once() == 9
        await poll_until(lambda: probe_count(probe, 9), what="nine messages")
        values = [value for _, value, _ in probe.raw]
    assert [json.loads(v)["id"] for v in values] == [e.id for e in events] + ["x-future"]
    assert values[-1] == foreign.encode()
    await publisher.close()


async def probe_count(probe: EventProbe, n: int) -> bool:
    await probe._drain()
    return len(probe.raw) >= n


async def test_one_document_with_many_keys_is_pipelined_in_order_per_key(
    mongo: Mongo, engines, topic_prefix: str
) -> None:
    """A batch document (e.g. the SLA monitor's overdue batch) holds events of many keys: they are
    sent together, and each key's events arrive in write order."""
    coll = mongo.collection("batches")
    events = [received(f"k{i % 5}") for i in range(60)]
    await coll.insert_one(new_with_outbox({"_id": "b1"}, *((topics.COMPLAINT_RECEIVED, e) for e in events)))
    publisher = KafkaPublisher(engines.kafka_bootstrap, topic_prefix)
    relay = OutboxRelay(publisher, [coll], mongo=mongo)
    async with EventProbe(engines.kafka_bootstrap, topic_prefix, [topics.COMPLAINT_RECEIVED]) as probe:
        assert await relay.run_once() == 60
        got = await probe.wait_for(topics.COMPLAINT_RECEIVED, count=60)
    for k in range(5):
        key = f"k{k}"
        assert [e.id for e in got if e.subject == key] == [e.id for e in events if e.subject == key]
    assert await pointers(mongo) == 0
    await publisher.close()
