"""Two SLA monitor instances in one consumer group: each fires only the timers of the partitions it
owns; when one leaves, the other takes its partitions over from the store — nothing missed, nothing
emitted twice (read from the real topic)."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest
from sla_harness import START, STEP, Running, new_id, serve

from pm_common import topics
from pm_common.testing import free_port, poll_until
from pm_sla_monitor.adapters.partitions import partition_for

pytestmark = pytest.mark.integration
PARTITIONS = 2  # the test topics' partition count (pm_common.testing.fixtures)


def owned(sla: Running) -> set[int]:
    return sla.monitor.schedule.partitions


async def test_each_instance_fires_its_own_partitions_and_a_rebalance_loses_nothing(
    sla_settings, driver, clock
) -> None:  # type: ignore[no-untyped-def]
    by_partition: dict[int, list[str]] = {0: [], 1: []}
    while min(len(ids) for ids in by_partition.values()) < 5:
        task_id = new_id()
        by_partition[partition_for(task_id, PARTITIONS)].append(task_id)
    tasks = by_partition[0][:5] + by_partition[1][:5]
    async with serve(sla_settings(), clock) as first:
        async with serve(sla_settings(port=free_port()), clock) as second:

            async def split() -> bool:
                return len(owned(first)) == 1 and len(owned(second)) == 1 and owned(first) | owned(second) == {0, 1}

            await poll_until(split, timeout=60, what="one partition each")
            for task_id in tasks:
                await driver.assign(task_id, START + timedelta(minutes=5))
            await driver.armed(*tasks)

            async def all_scheduled() -> bool:
                return len(first.monitor.schedule) + len(second.monitor.schedule) == len(tasks)

            await poll_until(all_scheduled, what="every timer in one schedule")
            for sla in (first, second):
                (mine,) = owned(sla)
                assert {t for t in tasks if f"{t}|resolve" in sla.monitor.schedule} == set(by_partition[mine][:5])
            clock.advance(timedelta(minutes=5))
            for task_id in tasks:
                await driver.overdue(task_id)
            assert first.monitor.emitted == 5 and second.monitor.emitted == 5
            assignments = first.monitor.assignments

        async def took_over() -> bool:
            return (
                first.monitor.assignments > assignments and owned(first) == {0, 1} and len(first.monitor.schedule) == 10
            )

        await poll_until(took_over, timeout=60, what="the remaining instance owns both partitions")
        clock.advance(STEP)
        for task_id in tasks:
            await driver.overdue(task_id, count=2)
    fired = Counter((e.data["task_id"], e.data["escalation_level"]) for e in await driver.all_overdue())
    assert fired == Counter({(t, level): 1 for t in tasks for level in (1, 2)})
    assert topics.TASK_OVERDUE in {t for t, _, _ in driver.probe.events}
