"""A clock changed by an instance that does not own its partition reaches the owner through the
mailbox (real DB, two monitors): armed, moved, then stopped — the owner's schedule follows."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sla_harness import START

from pm_common.calendar import HolidayCalendar
from pm_common.events import TaskAssigned, new_event
from pm_common.events import task_lifecycle as lc
from pm_common.mongo import Mongo
from pm_sla_monitor.adapters.clock import ManualClock
from pm_sla_monitor.adapters.clock_store import MongoClockStore
from pm_sla_monitor.adapters.config_store import MongoConfigStore
from pm_sla_monitor.adapters.firing_store import MongoFiringStore
from pm_sla_monitor.service_layer.clocks import ClockService
from pm_sla_monitor.service_layer.monitor import Monitor

pytestmark = pytest.mark.integration
CAL = HolidayCalendar.load()


class OnePartition:
    async def partition_of(self, key: str) -> int:
        return 0


def monitor(mongo: Mongo, clock: ManualClock, owned: set[int]) -> Monitor:
    m = Monitor(MongoFiringStore(mongo), MongoClockStore(mongo), MongoConfigStore(mongo, ttl=0), clock, CAL)
    m.schedule.own(owned)
    return m


async def test_the_owner_applies_changes_made_elsewhere(mongo: Mongo) -> None:
    clock = ManualClock(START)
    owner, other = monitor(mongo, clock, {0}), monitor(mongo, clock, {1})
    store = MongoClockStore(mongo)
    service = ClockService(store, MongoConfigStore(mongo, ttl=0), OnePartition(), other, CAL)  # on the non-owner
    assigned = TaskAssigned(
        task_id="T-m1",
        complaint_id="m1",
        estate_id="SUNNY",
        department="engineering",
        category="engineering",
        urgency="general",
        due_at=START + timedelta(minutes=30),
        assigned_at=START,
    )
    await service.handle(new_event(assigned, source="pm/dispatch", estate_id="SUNNY", now=START))
    assert "T-m1|resolve" not in other.schedule and "T-m1|resolve" not in owner.schedule
    assert await owner.apply_changes() == 1 and owner.schedule.clock_of("T-m1|resolve") is not None
    paused = lc.TaskPaused(task_id="T-m1", complaint_id="m1", estate_id="SUNNY", actor_id="h", at=START, reason="parts")
    await service.handle(new_event(paused, source="pm/dispatch", estate_id="SUNNY", now=START))
    assert await owner.apply_changes() == 1 and "T-m1|resolve" not in owner.schedule  # paused: out of the schedule
    assert await owner.apply_changes() == 0  # each change is applied once and deleted
