"""The Mongo stores on the real engine: unique claims and crash recovery of a half-written batch, the
insert-only facts of an item under concurrent writers, armed clocks loaded by partition (O(pending)),
results, the mailbox, the policy history and org snapshots (highest version wins)."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sla_harness import START

from pm_common import topics
from pm_common.calendar import HolidayCalendar
from pm_common.events import Envelope
from pm_common.mongo import DuplicateKeyError, Mongo
from pm_common.org import OrgSnapshot
from pm_common.sla import SlaPolicy
from pm_sla_monitor.adapters.clock_store import MongoClockStore
from pm_sla_monitor.adapters.config_store import MongoConfigStore
from pm_sla_monitor.adapters.firing_store import FENCE_KEEP, MongoFiringStore
from pm_sla_monitor.domain.clocks import new_clock
from pm_sla_monitor.domain.steps import StepPlan
from pm_sla_monitor.service_layer.emit import step_event

pytestmark = pytest.mark.integration
CAL = HolidayCalendar.load()


def clock(n: int, due_minutes: int = 5):  # type: ignore[no-untyped-def]
    return new_clock(
        f"T-{n}",
        "task",
        "resolve",
        complaint_id=f"c{n}",
        estate_id="SUNNY",
        started_at=START,
        due_at=START + timedelta(minutes=due_minutes),
        basis="clock",
        calendar=CAL,
        policy=SlaPolicy(),
    )


def firing(n: int, index: int = 2):  # type: ignore[no-untyped-def]
    plan = StepPlan(SlaPolicy(), CAL)
    c = clock(n)
    return step_event(c, plan.step(c, index), [], plan, None, START)


async def test_claims_make_each_step_fire_once_and_a_crashed_batch_is_fenced_and_released(mongo: Mongo) -> None:
    store = MongoFiringStore(mongo)
    await MongoFiringStore.create_indexes(mongo)
    assert await store.fire(0, [firing(1), firing(2)]) == 2
    assert await store.fire(0, [firing(1), firing(2), firing(3), firing(3, 0)]) == 2  # T-3's breach and warning
    claim = await store.firings.find_one({"_id": firing(1).key})
    assert set(claim) == {"_id", "b"}  # a claim is small: the event is written once, in the outbox document
    # a crash after the intent and part of the claims: T-4 claimed by the dead batch, T-5 not yet
    four, five = firing(4), firing(5)
    await store.intents.insert_one({"_id": "dead", "p": 0, "k": [four.key, five.key]})
    await store.firings.insert_one({"_id": four.key, "b": "dead"})
    assert await store.fire(0, [four]) == 0  # claimed by the dead batch: not emitted here …
    assert await store.recover({1}) == 0  # … other partitions untouched …
    assert await store.recover({0}) == 1  # … the recovery fences the dead batch and releases T-4's claim
    assert await store.recover({0}) == 0 and await store.intents.count_documents({"_id": "dead"}) == 0
    # the dead instance was only stalled: its late outbox document is refused (fenced), nothing published
    late = MongoFiringStore(mongo)
    entry = {"topic": four.topic, "key": four.subject, "event": four.value}
    with pytest.raises(DuplicateKeyError):
        await late.outbox.insert_one({"_id": "dead", "p": 0, "outbox": {four.event_id: entry}, "outbox_pending": 1})
    assert await store.fire(0, [four, five]) == 2  # the released step fires again (from its armed clock), once
    assert await store.fire(0, [four, five]) == 0
    outbox = [doc async for doc in store.outbox.find({})]
    emitted = [e for doc in outbox for e in (doc.get("outbox") or {}).values()]
    assert len(emitted) == 6 and {e["topic"] for e in emitted} == {topics.TASK_OVERDUE, topics.TASK_SLA_WARNING}
    assert Envelope.read(emitted[0]["event"]).data["estate_id"] == "SUNNY"  # the relay's value is a CloudEvent
    for doc in outbox:
        if doc.get("outbox"):
            await store.outbox.update_one({"_id": doc["_id"]}, {"$set": {"outbox": {}, "outbox_pending": 0}})
    assert await store.sweep() == 1  # the fence is kept a while (against late writers) …
    assert await store.outbox.count_documents({}) == 1 and await store.intents.count_documents({}) == 0
    await store.outbox.update_one({"_id": "dead"}, {"$set": {"fenced_at": START - FENCE_KEEP}})
    assert await store.sweep() == 0 and await store.outbox.count_documents({}) == 0  # … then swept too
    assert await store.claimed([four.key, "nope"]) == {four.key}


async def test_a_batch_that_died_between_its_pointer_and_its_document_fires_again(mongo: Mongo) -> None:
    """A kill -9 after the outbox pointer and before the outbox document: the released step fires
    again in a new batch with the same (deterministic) event id, and its event is written, not
    swallowed as "fenced" because the dead batch's pointer holds that id (a fault-suite finding)."""
    store = MongoFiringStore(mongo)
    six = firing(6)
    await store.intents.insert_one({"_id": "died", "p": 0, "k": [six.key]})
    await store.firings.insert_one({"_id": six.key, "b": "died"})
    await store.outbox.announce("died", [six.event_id])  # the pointer landed, the document never did
    assert await store.recover({0}) == 1
    assert await store.fire(0, [six]) == 1
    written = [doc async for doc in store.outbox.find({}) if doc.get("outbox")]
    assert [list(doc["outbox"]) for doc in written] == [[six.event_id]]
    assert await store.fire(0, [six]) == 0  # and still once


async def test_facts_armed_clocks_results_and_the_mailbox(mongo: Mongo) -> None:
    store = MongoClockStore(mongo)
    await MongoClockStore.create_indexes(mongo)
    facts = [{"id": f"e{n}", "type": "task.paused", "at": START, "d": {}} for n in range(8)]
    other = MongoClockStore(mongo)  # a second writer (another instance) on the same item
    await asyncio.gather(*(s.append("task:T-1", f) for s, f in zip([store, other] * 4, facts, strict=True)))
    await store.append("task:T-1", facts[0])  # redelivered: stored once
    assert sorted(f["id"] for f in await store.read_facts("task:T-1")) == [f"e{n}" for n in range(8)]
    await store.bulk_put([(clock(n), n % 2) for n in range(2, 12)])
    await store.put(clock(1), 0)
    await store.put(clock(1, due_minutes=9), 0)  # changed: replaced
    await store.drop("T-2|resolve")
    even = sorted([c.item_id async for c, _ in store.load({0})])
    assert even == ["T-1", "T-10", "T-4", "T-6", "T-8"]
    (loaded,) = [c async for c in store.load({0}) if c[0].item_id == "T-1"]
    assert loaded[0].due_at == START + timedelta(minutes=9) and loaded[0].budget == timedelta(minutes=9)
    done = clock(3).stopped(START + timedelta(minutes=7), "resolved")
    await store.record(done)
    await store.record(done)
    rows = await store.results_between(["SUNNY"], START, START + timedelta(hours=1))
    assert [(r["outcome"], r["late_seconds"]) for r in rows] == [("late", 120.0)]
    await store.notify_owner(1, "T-3|resolve")
    (change,) = await store.pending_changes({1})
    assert await store.pending_changes({0}) == []
    await store.done_change(change["_id"])
    assert await store.pending_changes({1}) == []


async def test_policy_history_and_org_snapshots(mongo: Mongo) -> None:
    config = MongoConfigStore(mongo, ttl=0)
    assert await config.policy("SUNNY") == (SlaPolicy(), False)
    await config.save_policy("SUNNY", SlaPolicy(repair_working_days=3), "sup-1", START)
    await config.save_policy("SUNNY", SlaPolicy(repair_working_days=4), "sup-2", START + timedelta(hours=1))
    policy, own = await config.policy("SUNNY")
    assert own and policy.repair_working_days == 4
    history = await config.policy_history("SUNNY")
    assert [(h["revision"], h["updated_by"]) for h in history] == [(2, "sup-2"), (1, "sup-1")]
    snap = OrgSnapshot(estate_id="SUNNY", version=2, updated_at=START)
    assert await config.save_org(snap) and not await config.save_org(snap.model_copy(update={"version": 1}))
    assert (await config.snapshot("SUNNY")).version == 2  # type: ignore[union-attr]
