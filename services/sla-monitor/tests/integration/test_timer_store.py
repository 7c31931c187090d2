"""The Mongo timer store on the real engine: unique claims, crash recovery of a half-written batch,
arming against a concurrent stop, the O(pending) pointer load and the sweep of published batches."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sla_harness import START

from pm_common.mongo import Mongo
from pm_sla_monitor.adapters.repository import MongoTimerStore
from pm_sla_monitor.domain.timer import Due, Timer
from pm_sla_monitor.service_layer.monitor import overdue_event

pytestmark = pytest.mark.integration


def timer(n: int, partition: int = 0) -> Timer:
    return Timer(f"T-{n}", f"c{n}", "SUNNY", START, partition)


def firing(n: int, level: int = 1) -> tuple[str, object]:
    due = Due(timer(n), level)
    return due.key, overdue_event(due, START)


async def test_claims_make_each_level_fire_once_and_a_crashed_batch_is_finished_once(mongo: Mongo) -> None:
    store = MongoTimerStore(mongo)
    await MongoTimerStore.create_indexes(mongo)
    assert await store.fire(0, [firing(1), firing(2)]) == 2  # type: ignore[list-item]
    assert await store.fire(0, [firing(1), firing(2), firing(3)]) == 1  # type: ignore[list-item]
    # a crash after the intent and part of the claims: T-4 claimed by the dead batch, T-5 not yet
    entries = [{"k": k, "e": e.model_dump_json()} for k, e in (firing(4), firing(5))]  # type: ignore[attr-defined]
    await store.intents.insert_one({"_id": "dead", "p": 0, "entries": entries})
    await store.firings.insert_one({"_id": "T-4:1", "b": "dead"})
    assert await store.fire(0, [firing(4)]) == 0  # claimed by the dead batch: not emitted here …
    assert await store.recover({1}) == 0  # … other partitions untouched …
    assert await store.recover({0}) == 2  # … the recovery emits T-4 and T-5, once
    assert await store.recover({0}) == 0 and await store.intents.count_documents({}) == 0
    outbox = [doc async for doc in store.outbox.find({})]
    emitted = sorted(e["event"] for doc in outbox for e in doc["outbox"].values())
    assert len(emitted) == 5 and sum(doc["n"] for doc in outbox) == 5
    assert {(await store.firings.find_one({"_id": "T-5:1"}))["b"]} == {"dead"}
    # the relay publishes (marks entries sent); then the sweep deletes the documents
    for doc in outbox:
        await store.outbox.update_one({"_id": doc["_id"]}, {"$set": {"outbox": {}, "outbox_pending": 0}})
    assert await store.sweep() == 0 and await store.outbox.count_documents({}) == 0
    assert await store.fired_level("T-1") == 1 and await store.fired_level("T-9") == 0


async def test_arming_stopping_and_loading_by_partition(mongo: Mongo) -> None:
    store = MongoTimerStore(mongo)
    assert await store.arm(timer(1, 0), START) and await store.arm(timer(1, 0), START)  # idempotent
    await store.bulk_arm([timer(n, n % 2) for n in range(2, 12)], START)
    await store.stop("T-2", {"reason": "completed", "stopped_at": START})
    await store.stop("T-99", {"reason": "cancelled", "stopped_at": START})  # overtook its assignment
    assert not await store.arm(timer(99, 1), START + timedelta(seconds=1))
    assert await store.stopped_among(["T-1", "T-2", "T-99"]) == {"T-2", "T-99"}
    even = sorted([t.task_id async for t in store.load({0})])
    assert even == ["T-1", "T-10", "T-4", "T-6", "T-8"]
    assert len([t async for t in store.load({0, 1})]) == 10
    (loaded, *_) = [t async for t in store.load({1})]
    assert loaded.due_at == START and loaded.estate_id == "SUNNY"
    timer_doc, stop_doc = await store.get("T-99")
    assert timer_doc is not None and stop_doc is not None and stop_doc["reason"] == "cancelled"
