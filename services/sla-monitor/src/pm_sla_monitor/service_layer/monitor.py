"""SLA monitor use cases: keep the running clocks of the owned partitions in memory and fire each
step (warning, breach, escalation, reminder) of each clock exactly once, from the in-memory schedule
(no store scan per tick; the idle loop sleeps until the next fire time).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import datetime, timedelta
from typing import Any

from pm_common import topics
from pm_common.calendar import HolidayCalendar
from pm_common.org import OrgSnapshot
from pm_sla_monitor.domain.clocks import Clock
from pm_sla_monitor.domain.schedule import Due, Schedule
from pm_sla_monitor.domain.steps import Firing, StepPlan
from pm_sla_monitor.service_layer.emit import Stamp, step_event
from pm_sla_monitor.service_layer.gate import BatchGate
from pm_sla_monitor.service_layer.ports import ArmedSource, Config, FiringStore, Timekeeper

log = logging.getLogger(__name__)
__all__ = ["ArmedSource", "Config", "FiringStore", "Monitor", "Timekeeper"]


class Monitor:
    """Owns the schedule of the partitions of ``task.assigned`` assigned to this instance: a clock
    belongs to the partition of its item id (task or complaint id, the events' Kafka key)."""

    def __init__(
        self,
        firing: FiringStore,
        armed: ArmedSource,
        config: Config,
        clock: Timekeeper,
        calendar: HolidayCalendar,
        *,
        fixed_step: timedelta | None = None,
        batch: int = 500,
        item_topics: tuple[str, ...] = (),
    ) -> None:
        self.firing, self.armed, self.config, self.clock, self.calendar = firing, armed, config, clock, calendar
        self.fixed_step = fixed_step
        self.batch = batch
        self.item_topics = item_topics  # topics keyed by item id: co-owning all of them = trusted
        self.schedule = Schedule()
        self.trusted: set[int] = set()
        self.emitted = 0
        self.assignments = 0
        self.wake = asyncio.Event()
        self._gate = BatchGate()
        self._unloaded: set[int] = set()
        self._recovered: set[int] = set()  # unloaded partitions whose half-written batches are settled
        self._epoch: dict[int, int] = {}  # per partition: how often it was owned anew (a load is for one)
        self._loading: asyncio.Task[None] | None = None
        self._changed_during_load: set[str] | None = None

    async def plan(self, estate_id: str) -> StepPlan:
        policy, _ = await self.config.policy(estate_id)
        return StepPlan(policy, self.calendar, self.fixed_step)

    # -- the clock service's sink ---------------------------------------------------------------
    def owns(self, partition: int) -> bool:
        return self.schedule.owns(partition)

    async def arm(self, clock: Clock, partition: int) -> None:
        plan = await self.plan(clock.estate_id)
        if self.schedule.put(clock, partition, 0, plan.step(clock, 0).at):
            self.wake.set()
        if self._changed_during_load is not None:
            self._changed_during_load.add(clock.key)

    def disarm(self, key: str) -> None:
        self.schedule.remove(key)
        if self._changed_during_load is not None:
            self._changed_during_load.add(key)

    # -- rebalancing (pm_common RebalanceListener) ----------------------------------------------
    async def assigned(self, partitions: dict[str, set[int]]) -> None:
        """Own the partitions at once (returns quickly: the scheduler loop loads them)."""
        async with self._gate.exclusive():
            owned = set(partitions.get(topics.TASK_ASSIGNED, set()))
            trusted = set(owned)
            for topic in self.item_topics:
                trusted &= partitions.get(topic, set())
            self.trusted = trusted
            self.schedule.release(self.schedule.partitions - owned)
            new = self.schedule.own(owned)
            for p in new:
                self._epoch[p] = self._epoch.get(p, 0) + 1
            self._unloaded = (self._unloaded & owned) | new
            self._recovered -= new
            self.wake.set()

    async def revoked(self, partitions: dict[str, set[int]]) -> None:
        async with self._gate.exclusive():
            gone = set(partitions.get(topics.TASK_ASSIGNED, set()))
            dropped = self.schedule.release(gone)
            self._unloaded -= gone
            self._recovered -= gone
            self.trusted -= gone
            for topic in self.item_topics:
                self.trusted -= partitions.get(topic, set())
            if gone:
                log.info("released partitions %s (%s clock(s))", sorted(gone), dropped)

    async def load(self) -> None:
        """Load the owned partitions not loaded yet: finish half-written batches, then one scan of
        their armed clocks. A partition fires as soon as its batches are settled: its clocks fire as
        they are loaded (the scan of a million clocks takes minutes). A clock changed during the load
        is not overwritten by the loaded copy; a partition revoked and owned again meanwhile is loaded again."""
        new = set(self._unloaded)
        if not new:
            return
        epochs = {p: self._epoch.get(p, 0) for p in new}

        def current() -> set[int]:
            return {p for p in new if self._epoch.get(p, 0) == epochs[p] and self.schedule.owns(p)}

        self._changed_during_load = set()
        loaded = 0
        try:
            recovered = await self.firing.recover(new)
            self._recovered |= current() & self._unloaded
            self.wake.set()
            plans: dict[str, StepPlan] = {}
            async for clock, partition in self.armed.load(new):
                if clock.key in self._changed_during_load:
                    continue
                plan = plans.get(clock.estate_id) or await self.plan(clock.estate_id)
                plans[clock.estate_id] = plan
                if self.schedule.put(clock, partition, 0, plan.step(clock, 0).at):
                    loaded += 1
                    if loaded % 1000 == 0:
                        self.wake.set()  # fire what is due among the clocks loaded so far
        finally:
            self._changed_during_load = None
        done = current()
        self._unloaded -= done
        self._recovered -= done
        self.assignments += 1
        self.wake.set()
        log.info("owning partitions %s: %s clock(s) loaded, %s recovered", sorted(done), loaded, recovered)

    def fireable(self, partition: int) -> bool:
        """Owned and loaded, or being loaded with its half-written batches settled."""
        return self.schedule.owns(partition) and (partition not in self._unloaded or partition in self._recovered)

    async def _load_in_background(self) -> None:
        backoff = 0.5
        while self._unloaded:
            try:
                await self.load()
                backoff = 0.5
            except Exception as exc:
                log.warning("loading partitions %s failed, retrying in %.1fs: %s", sorted(self._unloaded), backoff, exc)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 10.0)

    async def apply_changes(self) -> int:
        """Clocks of owned partitions changed by another instance (the mailbox): re-read by ``_id``."""
        changes = await self.armed.pending_changes(self.schedule.partitions)
        for change in changes:
            await self.refresh(change["k"], change["p"])
            await self.armed.done_change(change["_id"])
        return len(changes)

    async def refresh(self, key: str, partition: int) -> None:
        clock = await self.armed.get_clock(key)
        if clock is None or clock.state != "running":
            self.disarm(key)
        elif self.schedule.owns(partition):
            await self.arm(clock, partition)

    # -- firing -------------------------------------------------------------------------------
    async def fire_due(self) -> int:
        """Emit every step that is due now; returns how many were new. Each partition with due
        clocks runs its own loop of batches (no round waits for the slowest partition), and within
        a partition the next batch is built while the previous one is being written."""
        now = self.clock.now()
        due = [p for p in self.schedule.due_partitions(now) if self.fireable(p)]
        if not due:
            return 0
        results = await asyncio.gather(*(self._drain(p) for p in due), return_exceptions=True)
        failed = [r for r in results if isinstance(r, BaseException)]
        if failed:
            raise failed[0]
        return sum(r for r in results if isinstance(r, int))

    async def _drain(self, partition: int) -> int:
        emitted = 0
        writing: asyncio.Task[int] | None = None
        try:
            while True:
                await self._gate.enter()
                now = self.clock.now()
                dues = self.schedule.pop_due_of(partition, now, self.batch)
                if not dues:
                    self._gate.leave()
                    break
                try:
                    dues, firings, nexts = await self._build(partition, dues, now)
                except BaseException:
                    self.schedule.retry(dues, now + timedelta(seconds=1))
                    self._gate.leave()
                    raise
                if writing is not None:  # one batch written at a time per partition, in order
                    task, writing = writing, None
                    try:
                        emitted += await task
                    except BaseException:
                        self.schedule.retry(dues, now + timedelta(seconds=1))
                        self._gate.leave()
                        raise
                writing = asyncio.create_task(self._write(partition, now, dues, firings, nexts))
            if writing is not None:
                task, writing = writing, None
                emitted += await task
        finally:
            if writing is not None:  # failed while a write was in flight: let it finish
                await asyncio.gather(writing, return_exceptions=True)
        return emitted

    async def _build(
        self, partition: int, dues: list[Due], now: datetime
    ) -> tuple[list[Due], list[Firing], list[tuple[Due, int, datetime]]]:
        """The batch's events and each clock's next step (Python only, plus cached config reads)."""
        if partition not in self.trusted:
            dues = await self._still_armed(dues)
        firings: list[Firing] = []
        nexts: list[tuple[Due, int, datetime]] = []
        plans: dict[str, tuple[StepPlan, OrgSnapshot | None]] = {}
        stamp, memo = Stamp(now), dict[Any, list[str]]()  # one instant, one roster lookup per estate × role
        for due in dues:
            estate = due.clock.estate_id
            if estate not in plans:
                plans[estate] = (await self.plan(estate), await self.config.snapshot(estate))
            plan, snapshot = plans[estate]
            step, folded, following = plan.due_and_next(due.clock, due.index, now)
            firings.append(step_event(due.clock, step, folded, plan, snapshot, stamp, memo))
            nexts.append((due, following.index, following.at))
        return dues, firings, nexts

    async def _write(
        self,
        partition: int,
        now: datetime,
        dues: list[Due],
        firings: list[Firing],
        nexts: list[tuple[Due, int, datetime]],
    ) -> int:
        """Write one built batch (it entered the gate when its clocks were taken); then advance them."""
        try:
            emitted = await self.firing.fire(partition, firings)
        except BaseException:
            self.schedule.retry(dues, now + timedelta(seconds=1))
            raise
        finally:
            self._gate.leave()
        for due, index, at in nexts:
            self.schedule.advance(due, index, at)
        self.emitted += emitted
        return emitted

    async def _still_armed(self, dues: list[Due]) -> list[Due]:
        """For a partition whose events another instance consumes: drop or refresh clocks that
        changed there (read by ``_id``)."""
        live: list[Due] = []
        docs = await asyncio.gather(*(self.armed.get(d.clock.key) for d in dues))
        for due, doc in zip(dues, docs, strict=True):
            if (
                doc is not None
                and doc.get("state") == "running"
                and doc["d"] == due.clock.due_at
                and doc["g"] == due.clock.generation
            ):
                live.append(due)
            else:
                await self.refresh(due.clock.key, due.partition)
        return live

    async def run(self, stop: asyncio.Event, *, mailbox_seconds: float = 1.0) -> None:
        """Sleep until the next fire time (or until a sooner clock is armed), fire, repeat."""
        stopper = asyncio.create_task(stop.wait())
        stopper.add_done_callback(lambda _: self.wake.set())
        backoff = 0.5
        try:
            while not stop.is_set():
                self.wake.clear()
                try:
                    if self._unloaded and (self._loading is None or self._loading.done()):
                        self._loading = asyncio.create_task(self._load_in_background(), name="sla-load")
                    await self.apply_changes()
                    fired = await self.fire_due()
                    backoff = 0.5
                    if fired:
                        log.info("emitted %s SLA event(s)", fired)
                    until = self.schedule.next_fire()
                except Exception as exc:
                    log.warning("firing failed, retrying in %.1fs: %s", backoff, exc)
                    until = self.clock.now() + timedelta(seconds=backoff)
                    backoff = min(backoff * 2, 10.0)
                await self._sleep(until, mailbox_seconds)
        finally:
            stopper.cancel()
            if self._loading is not None:
                self._loading.cancel()
                await asyncio.gather(self._loading, return_exceptions=True)

    async def _sleep(self, until: datetime | None, mailbox_seconds: float) -> None:
        """The scheduler's clock decides when to fire; the mailbox is looked at every ``mailbox_seconds``
        of real time whatever that clock says."""
        waiter = asyncio.create_task(self.clock.wait(until, self.wake))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.shield(waiter), mailbox_seconds)
        waiter.cancel()
