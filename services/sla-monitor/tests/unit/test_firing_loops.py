"""The monitor's firing loops (fakes for the stores): each partition drains its own due clocks without
waiting for a slow partition, a partition's batches are written in order one at a time, and a
rebalance waits for the batches in flight (and no new batch starts meanwhile)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from facts_kit import CAL

from pm_common import topics
from pm_common.org import OrgSnapshot
from pm_common.sla import SlaPolicy
from pm_common.testing import poll_until
from pm_sla_monitor.adapters.clock import ManualClock
from pm_sla_monitor.domain.clocks import Clock, new_clock
from pm_sla_monitor.domain.steps import Firing
from pm_sla_monitor.service_layer.monitor import Monitor

pytestmark = pytest.mark.unit


class SlowFirings:
    """Writes of ``slow`` partitions wait until ``release`` is set; records what was written, in order."""

    def __init__(self, slow: set[int]) -> None:
        self.slow = slow
        self.release = asyncio.Event()
        self.written: list[tuple[int, list[str]]] = []
        self.in_flight: dict[int, int] = {}
        self.overlap = False  # two batches of one partition written at once

    async def recover(self, partitions: set[int]) -> int:
        return 0

    async def fire(self, partition: int, firings: list[Firing]) -> int:
        self.in_flight[partition] = self.in_flight.get(partition, 0) + 1
        self.overlap |= self.in_flight[partition] > 1
        try:
            if partition in self.slow:
                await self.release.wait()
            await asyncio.sleep(0)
            self.written.append((partition, [f.subject for f in firings]))
            return len(firings)
        finally:
            self.in_flight[partition] -= 1


class NoArmed:
    async def load(self, partitions: set[int]) -> AsyncIterator[tuple[Clock, int]]:
        for _ in ():
            yield _

    async def get(self, key: str) -> dict[str, Any] | None:
        return None

    async def get_clock(self, key: str) -> Clock | None:
        return None

    async def pending_changes(self, partitions: set[int]) -> list[dict[str, Any]]:
        return []

    async def done_change(self, change_id: str) -> None:
        return None


class DefaultConfig:
    async def policy(self, estate_id: str) -> tuple[SlaPolicy, bool]:
        return SlaPolicy(), False

    async def snapshot(self, estate_id: str) -> OrgSnapshot | None:
        return None


def due_clock(item: str, clock: ManualClock) -> Clock:
    at = clock.now() - timedelta(minutes=1)
    return new_clock(
        item, "task", "resolve", complaint_id=item, estate_id="SUNNY", started_at=at, due_at=at,
        basis="clock", calendar=CAL, policy=SlaPolicy(),
    )  # fmt: skip


async def monitor_with(firings: SlowFirings, clocks: dict[str, int]) -> tuple[Monitor, ManualClock]:
    manual = ManualClock()
    monitor = Monitor(firings, NoArmed(), DefaultConfig(), manual, CAL, batch=2, fixed_step=timedelta(days=7))
    await monitor.assigned({topics.TASK_ASSIGNED: {0, 1}})
    await monitor.load()
    for item, partition in clocks.items():
        await monitor.arm(due_clock(item, manual), partition)
    return monitor, manual


async def test_a_slow_partition_does_not_hold_back_the_others_and_batches_stay_in_order() -> None:
    firings = SlowFirings(slow={0})
    fast = {f"T-{n}": 1 for n in range(7)}  # 4 batches of 2 on partition 1
    monitor, _ = await monitor_with(firings, {"T-slow": 0, **fast})
    firing = asyncio.create_task(monitor.fire_due())

    async def fast_done() -> bool:
        return sum(len(items) for p, items in firings.written if p == 1) == 7

    # partition 1 drains all of its batches while partition 0's first write hangs
    await poll_until(fast_done, timeout=5, what="partition 1 drained")
    assert not firing.done()
    batches = [items for p, items in firings.written if p == 1]
    assert batches == [["T-0", "T-1"], ["T-2", "T-3"], ["T-4", "T-5"], ["T-6"]]
    firings.release.set()
    assert await asyncio.wait_for(firing, 5) == 8
    assert not firings.overlap  # one write at a time per partition (the next batch is only built meanwhile)
    assert monitor.emitted == 8 and await monitor.fire_due() == 0  # each step once


async def test_a_rebalance_waits_for_the_batch_in_flight_and_releases_the_partition_after_it() -> None:
    firings = SlowFirings(slow={0})
    monitor, _ = await monitor_with(firings, {f"T-{c}": 0 for c in "abcde"})
    firing = asyncio.create_task(monitor.fire_due())

    async def writing() -> bool:
        return bool(firings.in_flight.get(0))

    await poll_until(writing, timeout=5, what="a batch of partition 0 in flight")
    revoking = asyncio.create_task(monitor.revoked({topics.TASK_ASSIGNED: {0}}))
    for _ in range(50):  # let everything else run (no timing involved)
        await asyncio.sleep(0)
    assert not revoking.done()  # a batch of partition 0 is being written
    firings.release.set()
    await asyncio.wait_for(revoking, 5)
    # the batch being written and the one built meanwhile completed; no batch started after the revoke
    assert await asyncio.wait_for(firing, 5) == 4
    assert firings.written == [(0, ["T-a", "T-b"]), (0, ["T-c", "T-d"])] and not monitor.schedule.owns(0)


async def until(predicate: Any, what: str) -> None:
    async def check() -> bool:
        return bool(predicate())

    await poll_until(check, timeout=5, interval=0.01, what=what)


class SlowArmed(NoArmed):
    """A store scan that hands out its clocks one page at a time, when the test says so."""

    def __init__(self, clocks: list[tuple[Clock, int]]) -> None:
        self.clocks = clocks
        self.page = asyncio.Event()

    async def load(self, partitions: set[int]) -> AsyncIterator[tuple[Clock, int]]:
        for n, (clock, partition) in enumerate(self.clocks):
            if n and n % 2 == 0:  # pages of two
                await self.page.wait()
                self.page.clear()
            if partition in partitions:
                yield clock, partition


class HeldRecovery(SlowFirings):
    def __init__(self) -> None:
        super().__init__(slow=set())
        self.recovered = asyncio.Event()

    async def recover(self, partitions: set[int]) -> int:
        await self.recovered.wait()
        return 0


async def test_clocks_fire_while_the_rest_of_the_store_is_still_being_loaded() -> None:
    manual = ManualClock()
    firings = HeldRecovery()
    armed = SlowArmed([(due_clock(f"T-{n}", manual), 0) for n in range(6)])
    monitor = Monitor(firings, armed, DefaultConfig(), manual, CAL, batch=10, fixed_step=timedelta(days=7))
    await monitor.assigned({topics.TASK_ASSIGNED: {0}})
    stop = asyncio.Event()
    running = asyncio.create_task(monitor.run(stop, mailbox_seconds=0.01))
    try:
        await monitor.arm(due_clock("T-new", manual), 0)  # a clock the consumer armed during the recovery
        for _ in range(50):
            await asyncio.sleep(0)
        assert firings.written == []  # half-written batches of the partition are not settled yet
        firings.recovered.set()

        async def first_page_fired() -> bool:
            return {"T-new", "T-0", "T-1"} <= {i for _, items in firings.written for i in items}

        await poll_until(first_page_fired, timeout=5, what="the first page fired")
        assert not monitor.fireable(1) and 0 in monitor._unloaded  # still loading, and firing
        for _ in range(2):
            armed.page.set()
            await until(lambda: not armed.page.is_set(), "page taken")
        await until(lambda: not monitor._unloaded, "loaded")
        await until(lambda: monitor.emitted == 7, "all fired")
        fired = sorted(i for _, items in firings.written for i in items)
        assert fired == sorted(["T-new", *(f"T-{n}" for n in range(6))])  # each once
    finally:
        stop.set()
        await asyncio.wait_for(running, 5)


async def test_a_partition_revoked_and_owned_again_during_its_load_is_loaded_again() -> None:
    manual = ManualClock()
    firings = SlowFirings(slow=set())
    armed = SlowArmed([(due_clock(f"T-{n}", manual), 0) for n in range(4)])
    monitor = Monitor(firings, armed, DefaultConfig(), manual, CAL, batch=10, fixed_step=timedelta(days=7))
    await monitor.assigned({topics.TASK_ASSIGNED: {0}})
    loading = asyncio.create_task(monitor.load())
    await until(lambda: len(monitor.schedule) == 2, "first page")
    await monitor.revoked({topics.TASK_ASSIGNED: {0}})  # its two loaded clocks are dropped …
    await monitor.assigned({topics.TASK_ASSIGNED: {0}})  # … and it is owned anew
    armed.page.set()
    await asyncio.wait_for(loading, 5)
    assert 0 in monitor._unloaded and len(monitor.schedule) == 2  # only the second page: not "loaded"
    loading = asyncio.create_task(monitor.load())
    armed.page.set()
    await until(lambda: loading.done(), "reloaded")
    assert not monitor._unloaded and len(monitor.schedule) == 4
