"""The monitor's use cases with an in-memory store and a manual clock."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sla_fakes import FakePartitioner, FakeTimerStore

from pm_common import topics
from pm_common.events import TaskAssigned, TaskCancelled, TaskCompleted, new_event
from pm_sla_monitor.adapters.clock import ManualClock
from pm_sla_monitor.domain.timer import Timer
from pm_sla_monitor.service_layer.monitor import Monitor

pytestmark = pytest.mark.unit
DUE = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
STEP = timedelta(hours=4)
ALL = {topics.TASK_ASSIGNED: {0, 1}, topics.TASK_COMPLETED: {0, 1}, topics.TASK_CANCELLED: {0, 1}}


def assigned(n: int = 1, due: datetime = DUE) -> TaskAssigned:
    return TaskAssigned(
        task_id=f"T-{n}",
        complaint_id=f"c{n}",
        estate_id="SUNNY",
        department="engineering",
        category="engineering",
        urgency="general",
        due_at=due,
        assigned_at=due - timedelta(days=2),
    )


async def arm(monitor: Monitor, task: TaskAssigned) -> bool:
    envelope = new_event(task, source="pm/dispatch", estate_id=task.estate_id)
    return await monitor.on_assigned(envelope, task)


async def own(monitor: Monitor, partitions: dict[str, set[int]]) -> None:
    """A rebalance as the consumer loop delivers it, then the load the scheduler loop does."""
    await monitor.assigned(partitions)
    await monitor.load()


def make(store: FakeTimerStore, clock: ManualClock, table: dict[str, int] | None = None) -> Monitor:
    return Monitor(store, clock, FakePartitioner(table), step=STEP, batch=2)


async def test_each_level_fires_once_at_its_time_with_deterministic_ids() -> None:
    store, clock = FakeTimerStore(), ManualClock(DUE - timedelta(minutes=1))
    monitor = make(store, clock)
    await own(monitor, ALL)
    assert await arm(monitor, assigned())
    assert await arm(monitor, assigned())  # redelivery: still one timer
    assert await monitor.fire_due() == 0
    clock.set(DUE)
    assert await monitor.fire_due() == 1 and await monitor.fire_due() == 0
    clock.set(DUE + 10 * STEP)  # after downtime: the remaining levels, each once
    assert await monitor.fire_due() == 3
    levels = [(e.data["escalation_level"], e.data["escalate_to"]) for e in store.events]
    assert levels == [(1, "handler"), (2, "supervisor"), (3, "project_manager"), (4, "company")]
    assert len({e.id for e in store.events}) == 4
    assert (store.events[0].subject, store.events[0].complaintid) == ("T-1", "c1") and len(monitor.schedule) == 0


async def test_stop_before_or_after_arming_means_no_overdue() -> None:
    store, clock = FakeTimerStore(), ManualClock(DUE)
    monitor = make(store, clock)
    await own(monitor, ALL)
    await arm(monitor, assigned(1))
    await monitor.on_stopped(
        TaskCompleted(task_id="T-1", complaint_id="c1", estate_id="SUNNY", result_summary="ok", completed_at=DUE)
    )
    await monitor.on_stopped(
        TaskCancelled(task_id="T-2", complaint_id="c2", estate_id="SUNNY", reason="withdrawn", cancelled_at=DUE)
    )
    assert not await arm(monitor, assigned(2))  # the cancellation overtook the assignment
    clock.set(DUE + STEP)
    assert await monitor.fire_due() == 0 and store.events == []
    assert store.stops["T-2"]["reason"] == "cancelled" and "T-1" not in store.pointers


async def test_restart_reloads_from_the_store_and_never_emits_twice() -> None:
    store, clock = FakeTimerStore(), ManualClock(DUE - timedelta(minutes=1))
    first = make(store, clock)
    await own(first, ALL)
    for n in range(1, 6):
        await arm(first, assigned(n))
    clock.set(DUE)
    store.fail_next_fire = True
    with pytest.raises(ConnectionError):
        await first.fire_due()
    assert await first.fire_due() == 5  # put back and fired after the failure
    second = make(store, clock)  # a restart: nothing in memory, the store says what is armed
    await own(second, ALL)
    assert len(second.schedule) == 5
    assert await second.fire_due() == 0  # level 1 was claimed before the restart
    assert [e.data["escalation_level"] for e in store.events] == [1] * 5


async def test_only_owned_partitions_fire_and_stops_elsewhere_are_checked() -> None:
    store, clock = FakeTimerStore(), ManualClock(DUE)
    table = {"T-1": 0, "T-2": 1}
    mine = make(store, clock, table)
    await own(mine, {topics.TASK_ASSIGNED: {0}, topics.TASK_COMPLETED: {1}, topics.TASK_CANCELLED: {0, 1}})
    assert mine.trusted == set()  # completions of partition 0 go to another instance
    await arm(mine, assigned(1))
    assert await arm(mine, assigned(2))  # stored, but partition 1 is not ours
    assert "T-2" not in mine.schedule
    await mine.store.stop("T-1", {"reason": "completed"})  # consumed by the other instance
    assert await mine.fire_due() == 0 and "T-1" not in mine.schedule
    await mine.revoked({topics.TASK_ASSIGNED: {0}})
    await own(mine, {topics.TASK_ASSIGNED: {1}, topics.TASK_COMPLETED: {1}, topics.TASK_CANCELLED: {1}})
    assert mine.trusted == {1} and await mine.fire_due() == 1
    assert [e.data["task_id"] for e in store.events] == ["T-2"]


async def test_run_sleeps_until_the_next_deadline_and_wakes_for_a_sooner_one() -> None:
    store, clock = FakeTimerStore(), ManualClock(DUE - timedelta(hours=1))
    monitor = make(store, clock)
    await own(monitor, ALL)
    stop = asyncio.Event()
    runner = asyncio.create_task(monitor.run(stop))
    await asyncio.sleep(0)
    await arm(monitor, assigned(1, DUE))
    clock.set(DUE)
    for _ in range(100):
        if store.events:
            break
        await asyncio.sleep(0.01)
    assert [e.data["task_id"] for e in store.events] == ["T-1"]
    stop.set()
    await asyncio.wait_for(runner, 5)


async def test_a_failed_load_is_retried_by_the_scheduler_loop() -> None:
    store, clock = FakeTimerStore(), ManualClock(DUE)
    await store.arm(Timer("T-1", "c1", "SUNNY", DUE, 0), DUE)
    monitor = make(store, clock)
    real_load = store.load
    calls = 0

    def flaky_load(partitions: set[int]) -> AsyncIterator[Timer]:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise ConnectionError("store down")
        return real_load(partitions)

    store.load = flaky_load  # type: ignore[method-assign]
    await monitor.assigned(ALL)  # owned at once, loaded by the loop
    with pytest.raises(ConnectionError):
        await monitor.load()
    assert monitor.schedule.partitions == {0, 1} and monitor.assignments == 0 and len(monitor.schedule) == 0
    stop = asyncio.Event()
    runner = asyncio.create_task(monitor.run(stop))
    for _ in range(300):
        if store.events:
            break
        await asyncio.sleep(0.01)
    assert [e.data["task_id"] for e in store.events] == ["T-1"] and monitor.schedule.partitions == {0, 1}
    stop.set()
    await asyncio.wait_for(runner, 5)


async def test_a_timer_stopped_while_its_partition_loads_is_not_added_back() -> None:
    store, clock = FakeTimerStore(), ManualClock(DUE)
    for n in (1, 2):
        await store.arm(Timer(f"T-{n}", f"c{n}", "SUNNY", DUE, 0), DUE)
    monitor = make(store, clock)
    real_load = store.load

    async def load_with_a_stop_in_between(partitions: set[int]) -> AsyncIterator[Timer]:
        timers = [t async for t in real_load(partitions)]  # the cursor read T-1 before its stop …
        await monitor.on_stopped(
            TaskCompleted(task_id="T-1", complaint_id="c1", estate_id="SUNNY", result_summary="ok", completed_at=DUE)
        )
        for timer in timers:
            yield timer

    store.load = load_with_a_stop_in_between  # type: ignore[method-assign]
    await own(monitor, ALL)
    assert "T-1" not in monitor.schedule and "T-2" in monitor.schedule
    assert await monitor.fire_due() == 1 and [e.data["task_id"] for e in store.events] == ["T-2"]
