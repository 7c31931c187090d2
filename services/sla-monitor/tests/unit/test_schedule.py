"""The in-memory schedule: fire-time order per partition, lazy disarm, levels, ownership."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from pm_sla_monitor.domain.escalation import fire_at, next_escalation_at, target_of
from pm_sla_monitor.domain.schedule import Schedule, from_us, to_us
from pm_sla_monitor.domain.timer import Timer, overdue_event_id

pytestmark = pytest.mark.unit
DUE = datetime(2026, 11, 23, 10, 0, 0, 123457, tzinfo=UTC)
STEP = timedelta(hours=4)


def timer(task_id: str, due: datetime = DUE, partition: int = 0) -> Timer:
    return Timer(task_id, "c-" + task_id, "SUNNY", due, partition)


def test_complaint_ids_come_back_whether_or_not_the_task_id_contains_them() -> None:
    schedule = Schedule(STEP)
    schedule.own({0})
    schedule.add(Timer("T-abc", "abc", "SUNNY", DUE, 0))  # dispatch's form: kept as an offset
    schedule.add(Timer("other", "xyz", "JADE", DUE, 0))
    due = {d.timer.task_id: d.timer for d in schedule.pop_due(DUE, 10)[0]}
    assert due["T-abc"] == Timer("T-abc", "abc", "SUNNY", DUE, 0)
    assert due["other"] == Timer("other", "xyz", "JADE", DUE, 0)


def test_ladder_and_fire_times() -> None:
    assert [target_of(n) for n in (1, 2, 3, 4)] == ["handler", "supervisor", "project_manager", "company"]
    assert fire_at(DUE, 1, STEP) == DUE and fire_at(DUE, 3, STEP) == DUE + 2 * STEP
    assert next_escalation_at(DUE, 1, STEP) == DUE + STEP and next_escalation_at(DUE, 4, STEP) is None
    with pytest.raises(ValueError):
        fire_at(DUE, 5, STEP)
    assert from_us(to_us(DUE)) == DUE  # exact to the microsecond
    assert overdue_event_id("T-1", 1) == overdue_event_id("T-1", 1) != overdue_event_id("T-1", 2)


def test_due_levels_come_out_in_fire_time_order_and_only_when_due() -> None:
    schedule = Schedule(STEP)
    schedule.own({0, 1})
    assert schedule.add(timer("b", DUE + timedelta(seconds=2)))
    assert schedule.add(timer("a", DUE, partition=1))
    assert not schedule.add(timer("a", DUE, partition=1))  # known
    assert not schedule.add(timer("x", DUE, partition=5))  # not owned
    assert schedule.next_fire() == DUE
    assert schedule.pop_due(DUE - timedelta(microseconds=1), 10) == {}
    due = schedule.pop_due(DUE + timedelta(seconds=5), 10)
    assert {p: [(d.timer.task_id, d.level) for d in ds] for p, ds in due.items()} == {0: [("b", 1)], 1: [("a", 1)]}
    assert due[1][0].timer == timer("a", DUE, partition=1) and due[1][0].key == "a:1"
    assert schedule.next_fire() is None  # both in flight
    for d in [*due[0], *due[1]]:
        schedule.fired(d)
    assert schedule.next_fire() == DUE + STEP and schedule.level_of("a") == 2


def test_limit_disarm_retry_and_exhaustion() -> None:
    schedule = Schedule(STEP)
    schedule.own({0})
    for i in range(5):
        schedule.add(timer(f"t{i}", DUE + timedelta(seconds=i)))
    assert schedule.remove("t0") and not schedule.remove("t0")
    first = schedule.pop_due(DUE + timedelta(hours=1), 3)[0]
    assert [d.timer.task_id for d in first] == ["t1", "t2", "t3"]
    schedule.retry(first)
    again = schedule.pop_due(DUE + timedelta(hours=1), 10)[0]
    assert [d.timer.task_id for d in again] == ["t1", "t2", "t3", "t4"]
    # climb t1 to the top of the ladder: then it is forgotten
    d = again[0]
    for level in range(1, 5):
        assert d.level == level
        schedule.fired(d)
        nxt = schedule.pop_due(DUE + 20 * STEP, 1)
        if level < 4:
            d = nxt[0][0]
    assert "t1" not in schedule and len(schedule) == 3


def test_release_forgets_only_the_revoked_partitions() -> None:
    schedule = Schedule(STEP)
    assert schedule.own({0, 1}) == {0, 1} and schedule.own({1, 2}) == {2}
    schedule.add(timer("a", partition=0))
    schedule.add(timer("b", partition=1))
    assert schedule.release({0}) == 1
    assert "a" not in schedule and "b" in schedule and schedule.partitions == {1, 2}
    assert not schedule.add(timer("a", partition=0))
