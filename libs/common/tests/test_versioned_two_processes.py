"""Two processes hammer one aggregate on the real local engine: no update is lost.

FerretDB applies a conditional update by reading and writing back without a lock, so without the
step tickets of ``pm_common.versioned`` two processes lose each other's updates (measured in
bench/ferretdb_workload.py). Each process here also runs its own outbox relay, which marks entries
sent with versioned saves too, so neither the state nor any event is lost.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import textwrap

import pytest

from pm_common import topics
from pm_common.mongo import Mongo
from pm_common.testing import EventProbe, poll_until

pytestmark = pytest.mark.integration

WORKER = textwrap.dedent(
    """
    import asyncio, sys
    from datetime import UTC, datetime
    from pm_common import topics
    from pm_common.events import ComplaintReceived, new_event
    from pm_common.kafka import KafkaPublisher, OutboxRelay
    from pm_common.mongo import Mongo, with_outbox
    from pm_common.versioned import VersionedCollection

    async def main(url, db, bootstrap, prefix, name, n):
        mongo = Mongo(url, db)
        aggregates = VersionedCollection.of(mongo, "aggregates")
        publisher = KafkaPublisher(bootstrap, prefix)
        relay = OutboxRelay(publisher, [aggregates.coll], mongo=mongo, sweep_seconds=0.5)
        stop = asyncio.Event()
        relaying = asyncio.create_task(relay.run(stop))
        for i in range(n):
            now = datetime.now(UTC)
            payload = ComplaintReceived(complaint_id="agg", reference_no=f"{name}-{i}", estate_id="E1",
                                        channel="app", content="x", raised_at=now, received_at=now)
            event = new_event(payload, source=name, subject="agg", estate_id="E1")
            def decide(doc, i=i, event=event):
                return with_outbox({"$set": {"n": doc["n"] + 1, f"by.{name}-{i}": doc["n"]}},
                                   (topics.COMPLAINT_RECEIVED, event))
            await aggregates.mutate("agg", decide)
        while await mongo.db["outbox_pending"].count_documents({}):
            await asyncio.sleep(0.1)
        stop.set()
        await relaying
        await publisher.close()
        mongo.close()

    asyncio.run(main(*sys.argv[1:6], int(sys.argv[6])))
    """
)


async def test_two_processes_lose_no_update_and_no_event(mongo: Mongo, engines, topic_prefix: str) -> None:
    n = 40
    await mongo.collection("aggregates").insert_one({"_id": "agg", "n": 0, "version": 0, "by": {}})
    args = [engines.mongo_url, mongo.db.name, engines.kafka_bootstrap, topic_prefix]
    procs = [
        await asyncio.create_subprocess_exec(sys.executable, "-c", WORKER, *args, name, str(n), stderr=subprocess.PIPE)
        for name in ("p1", "p2")
    ]
    outputs = await asyncio.wait_for(asyncio.gather(*(p.communicate() for p in procs)), 240)
    for proc, (_, err) in zip(procs, outputs, strict=True):
        assert proc.returncode == 0, err.decode()[-3000:]
    doc = await mongo.collection("aggregates").find_one({"_id": "agg"})
    assert doc["n"] == 2 * n, f"lost updates: {2 * n - doc['n']}"
    # every increment saw a distinct predecessor: the updates were serialised
    assert sorted(doc["by"].values()) == list(range(2 * n))
    assert doc["outbox"] == {} and doc["outbox_pending"] == 0
    async with EventProbe(engines.kafka_bootstrap, topic_prefix, [topics.COMPLAINT_RECEIVED]) as probe:

        async def all_events() -> bool:
            await probe._drain()
            return len({json.loads(v)["id"] for _, v, _ in probe.raw}) >= 2 * n

        await poll_until(all_events, timeout=60, what="every event published")
        refs = {e.data["reference_no"] for _, e, _ in probe.events}
    assert refs == {f"p{p}-{i}" for p in (1, 2) for i in range(n)}


async def test_documents_written_before_versioning_count_as_version_zero(mongo: Mongo) -> None:
    from pm_common.versioned import VersionedCollection

    store = VersionedCollection.of(mongo, "legacy")
    await store.coll.insert_one({"_id": "old", "n": 1})  # no version field
    assert await store.mutate("old", lambda doc: {"$set": {"n": doc["n"] + 1}}) is not None
    assert await store.mutate("old", lambda doc: {"$set": {"n": doc["n"] + 1}}) is not None
    doc = await store.coll.find_one({"_id": "old"})
    assert (doc["n"], doc["version"]) == (3, 2)
    assert await store.save("old", 1, {"$set": {"n": 0}}) is False  # a stale version never wins
