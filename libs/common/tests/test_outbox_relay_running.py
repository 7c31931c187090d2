"""The running relay (``OutboxRelay.run``) publishes each hinted document from its own task: writes
made while a document's publish is in flight come out after it, in write order, and every pointer
is gone once all is out — against the real broker and document DB."""

from __future__ import annotations

import asyncio
import contextlib

import pytest

from pm_common import topics
from pm_common.kafka import KafkaPublisher, OutboxRelay
from pm_common.mongo import Mongo, new_with_outbox, with_outbox
from pm_common.testing import EventProbe, poll_until
from pm_common.testing.helpers import received_event as received

pytestmark = pytest.mark.integration


async def test_hinted_documents_are_published_at_once_and_in_write_order(
    mongo: Mongo, engines, topic_prefix: str
) -> None:
    coll = mongo.collection("complaints")
    publisher = KafkaPublisher(engines.kafka_bootstrap, topic_prefix)
    relay = OutboxRelay(publisher, [coll], mongo=mongo, sweep_seconds=3600)  # hints only, no sweep after start
    stop = asyncio.Event()
    running = asyncio.create_task(relay.run(stop))
    try:
        async with EventProbe(engines.kafka_bootstrap, topic_prefix, [topics.COMPLAINT_RECEIVED]) as probe:
            chains = {f"c{k}": [received(f"c{k}") for _ in range(4)] for k in range(5)}
            for cid, events in chains.items():
                await coll.insert_one(new_with_outbox({"_id": cid, "n": 0}, (topics.COMPLAINT_RECEIVED, events[0])))
            for step in range(1, 4):  # later writes land while earlier publishes of the same document run
                await asyncio.gather(
                    *(
                        coll.update_one(
                            {"_id": cid}, with_outbox({"$set": {"n": step}}, (topics.COMPLAINT_RECEIVED, events[step]))
                        )
                        for cid, events in chains.items()
                    )
                )
            seen = [e.id for e in await probe.wait_for(topics.COMPLAINT_RECEIVED, count=20)]  # one key: one partition
        for events in chains.values():
            ids = [e.id for e in events]
            positions = [seen.index(i) for i in ids]  # each exactly once is not required (at-least-once)
            assert positions == sorted(positions), (ids, seen)  # per document: write order
        await poll_until(lambda: _none_left(mongo), timeout=30, what="every pointer deleted once its events are out")
        for cid in chains:
            doc = await coll.find_one({"_id": cid})
            assert doc is not None and doc["outbox"] == {} and doc["outbox_pending"] == 0
    finally:
        stop.set()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait_for(running, 20)
        await publisher.close()


async def _none_left(mongo: Mongo) -> bool:
    return await mongo.db["outbox_pending"].count_documents({}) == 0
