"""Round trips of the outbox path on the real engines: concurrent writers' pointers share one insert,
the relay publishes a document it was handed whole without reading it back, and a document that
still holds older entries is read (so per-document order holds)."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections import Counter
from typing import Any

import pytest
from pymongo import monitoring

from pm_common import topics
from pm_common.group_commit import GroupInsert
from pm_common.kafka import KafkaPublisher, OutboxRelay
from pm_common.mongo import DuplicateKeyError, Mongo, new_with_outbox, with_outbox
from pm_common.testing import EventProbe, poll_until, unique_name
from pm_common.testing.helpers import received_event as received

pytestmark = pytest.mark.integration


class Commands(monitoring.CommandListener):
    """Counts ``(command, collection)`` as the driver sends them."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.seen: Counter[tuple[str, str]] = Counter()

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        target = event.command.get(event.command_name)
        with self.lock:
            self.seen[(event.command_name, target if isinstance(target, str) else "")] += 1

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        pass

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        pass


@pytest.fixture
async def counted(engines: Any) -> Any:
    commands = Commands()
    mongo = Mongo(engines.mongo_url, unique_name("test_"), event_listeners=(commands,))
    yield mongo, commands
    await mongo.drop_database()
    mongo.close()


async def test_new_documents_are_published_without_a_read_and_pointers_are_grouped(
    counted: Any, engines: Any, topic_prefix: str
) -> None:
    mongo, commands = counted
    coll = mongo.collection("complaints")
    publisher = KafkaPublisher(engines.kafka_bootstrap, topic_prefix)
    relay = OutboxRelay(publisher, [coll], mongo=mongo, sweep_seconds=3600)
    stop = asyncio.Event()
    running = asyncio.create_task(relay.run(stop))
    try:
        await poll_until(lambda: _swept(commands), what="the relay's start-up sweep")
        events = {f"n{i}": received(f"n{i}") for i in range(20)}
        async with EventProbe(engines.kafka_bootstrap, topic_prefix, [topics.COMPLAINT_RECEIVED]) as probe:
            await asyncio.gather(
                *(
                    coll.insert_one(new_with_outbox({"_id": cid}, (topics.COMPLAINT_RECEIVED, e)))
                    for cid, e in events.items()
                )
            )
            got = await probe.wait_for(topics.COMPLAINT_RECEIVED, count=20, timeout=30)
        assert {e.id for e in got} == {e.id for e in events.values()}
        await poll_until(lambda: _none_left(mongo), timeout=30, what="every pointer deleted")
        for cid in events:
            doc = await coll.find_one({"_id": cid})
            assert doc is not None and doc["outbox"] == {} and doc["outbox_pending"] == 0
        seen = commands.seen
        # the first pointer went alone, the 19 queued behind it in one insert_many
        assert seen[("insert", "outbox_pending")] <= 2, seen
        assert seen[("delete", "outbox_pending")] <= 20, seen
        # the relay read none of the new documents (our own checks above are the only finds)
        assert seen[("find", "complaints")] == len(events), seen
    finally:
        stop.set()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait_for(running, 20)
        await publisher.close()


async def _swept(commands: Commands) -> bool:
    return commands.seen[("find", "outbox_pending")] >= 1


async def _none_left(mongo: Mongo) -> bool:
    return await mongo.db["outbox_pending"].count_documents({}) == 0


async def test_the_relay_is_handed_entries_only_when_they_are_all_the_document_has(mongo: Mongo) -> None:
    coll = mongo.collection("complaints")
    handed: list[tuple[str, Any]] = []
    mongo.outbox.listen(lambda c, d, p, e, alone: handed.append((d, alone)))
    first, second, third = received("a"), received("a"), received("a")
    await coll.insert_one(new_with_outbox({"_id": "a", "n": 0}, (topics.COMPLAINT_RECEIVED, first)))
    assert handed[-1][1] is not None and list(handed[-1][1][0]) == [first.id]  # a new document: all of it
    # the first entry is still pending: a guarded write adding a second must leave the reading to the relay
    await coll.update_one({"_id": "a", "n": 0}, with_outbox({"$set": {"n": 1}}, (topics.COMPLAINT_RECEIVED, second)))
    assert handed[-1] == ("a", None)
    # once both are marked published, a guarded write's entries are all there is (read under the lock on
    # FerretDB); MongoDB evaluates the guard itself, so nothing was read and the relay reads
    await coll.update_one({"_id": "a"}, {"$set": {"outbox": {}, "outbox_pending": 0}})
    await coll.update_one({"_id": "a", "n": 1}, with_outbox({"$set": {"n": 2}}, (topics.COMPLAINT_RECEIVED, third)))
    alone = handed[-1][1]
    if await coll.is_ferretdb():
        assert alone is not None and list(alone[0]) == [third.id]
        assert alone[0][third.id] == (await coll.find_one({"_id": "a"}))["outbox"][third.id]
    else:
        assert alone is None


async def test_a_refused_document_in_a_group_fails_only_its_own_writer(mongo: Mongo) -> None:
    raw = mongo.db["group_insert"]
    await raw.insert_one({"_id": "taken"})
    group = GroupInsert(raw)
    outcomes = await asyncio.gather(
        *(group.insert({"_id": i}) for i in ["x0", "x1", "taken", "x2", "x3"]), return_exceptions=True
    )
    assert [type(o).__name__ for o in outcomes] == ["NoneType", "NoneType", "DuplicateKeyError", "NoneType", "NoneType"]
    assert isinstance(outcomes[2], DuplicateKeyError)
    assert sorted(d["_id"] for d in await raw.find({}).to_list(None)) == ["taken", "x0", "x1", "x2", "x3"]
