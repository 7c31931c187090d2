"""SLA monitor use cases: arm a timer per task, stop it on completion or cancellation, and fire
each escalation level of each armed timer exactly once, from an in-memory schedule of the
partitions this instance owns (no store scan per tick; the idle loop sleeps until the next deadline).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Any, Protocol

from pm_common import topics
from pm_common.events import Envelope, TaskAssigned, TaskCancelled, TaskCompleted, TaskOverdue, new_event
from pm_sla_monitor.domain.escalation import target_of
from pm_sla_monitor.domain.schedule import Schedule
from pm_sla_monitor.domain.timer import Due, Timer, overdue_event_id

log = logging.getLogger(__name__)
SOURCE = "pm/sla-monitor"


class TimerStore(Protocol):
    async def arm(self, timer: Timer, armed_at: datetime) -> bool: ...
    async def stop(self, task_id: str, stop: dict[str, Any]) -> None: ...
    async def stopped_among(self, task_ids: list[str]) -> set[str]: ...
    def load(self, partitions: set[int]) -> AsyncIterator[Timer]: ...
    async def recover(self, partitions: set[int]) -> int: ...
    async def fire(self, partition: int, firings: list[tuple[str, Envelope]]) -> int: ...


class Clock(Protocol):
    def now(self) -> datetime: ...
    async def wait(self, until: datetime | None, wake: asyncio.Event) -> None: ...


class Partitioner(Protocol):
    async def partition_of(self, key: str) -> int: ...


class Monitor:
    """Owns the schedule of the partitions of ``task.assigned`` assigned to this instance.

    A timer belongs to the partition of its task's Kafka key (the task id), so with several instances in the
    consumer group each fires only its own. Where this instance also holds the same partitions of
    ``task.completed`` / ``task.cancelled`` (Kafka's assignors co-partition them when the instance
    count divides the partition count) every stop reaches the schedule directly; elsewhere the
    stops are checked in the store before firing."""

    def __init__(
        self, store: TimerStore, clock: Clock, partitioner: Partitioner, *, step: timedelta, batch: int = 500
    ) -> None:
        self.store = store
        self.clock = clock
        self.partitioner = partitioner
        self.step = step
        self.batch = batch
        self.schedule = Schedule(step)
        self.trusted: set[int] = set()  # partitions whose stops this instance consumes itself
        self.emitted = 0
        self.assignments = 0  # completed loads: the schedule holds the store's timers once this is > 0
        self.wake = asyncio.Event()
        self._lock = asyncio.Lock()  # one firing pass or one (re)assignment at a time
        self._unloaded: set[int] = set()  # owned partitions whose timers are not loaded yet
        self._stopped_during_load: set[str] | None = None

    # -- consumers ----------------------------------------------------------------------------
    async def on_assigned(self, envelope: Envelope, task: TaskAssigned) -> bool:
        partition = await self.partitioner.partition_of(envelope.kafka_key)
        timer = Timer(task.task_id, task.complaint_id, task.estate_id, task.due_at, partition)
        if not await self.store.arm(timer, self.clock.now()):
            return False
        if self.schedule.add(timer):
            self.wake.set()
        return True

    async def on_stopped(self, done: TaskCompleted | TaskCancelled) -> None:
        # task.completed / task.cancelled may overtake task.assigned (other topics): the stop is stored
        # first, and arming checks it.
        reason = "completed" if isinstance(done, TaskCompleted) else "cancelled"
        at = done.completed_at if isinstance(done, TaskCompleted) else done.cancelled_at
        stop = {"complaint_id": done.complaint_id, "estate_id": done.estate_id, "reason": reason, "stopped_at": at}
        await self.store.stop(done.task_id, stop)
        self.schedule.remove(done.task_id)
        if self._stopped_during_load is not None:
            self._stopped_during_load.add(done.task_id)

    # -- rebalancing (pm_common RebalanceListener) ---------------------------------------------
    async def assigned(self, partitions: dict[str, set[int]]) -> None:
        """Own ``task.assigned``'s partitions in ``partitions`` (the whole new assignment).

        Returns at once (a long load inside the rebalance callback would get this member thrown out
        of its group): new partitions are owned immediately — timers armed from now on go straight
        into the schedule — and the scheduler loop loads what the store holds for them."""
        async with self._lock:
            owned = set(partitions.get(topics.TASK_ASSIGNED, set()))
            self.trusted = (
                owned & partitions.get(topics.TASK_COMPLETED, set()) & partitions.get(topics.TASK_CANCELLED, set())
            )
            self.schedule.release(self.schedule.partitions - owned)
            self._unloaded = (self._unloaded & owned) | self.schedule.own(owned)
            self.wake.set()

    async def revoked(self, partitions: dict[str, set[int]]) -> None:
        """Stop firing for revoked partitions (after the batch in flight is written)."""
        async with self._lock:
            gone = set(partitions.get(topics.TASK_ASSIGNED, set()))
            dropped = self.schedule.release(gone)
            self._unloaded -= gone
            self.trusted -= (
                gone | partitions.get(topics.TASK_COMPLETED, set()) | partitions.get(topics.TASK_CANCELLED, set())
            )
            if gone:
                log.info("released partitions %s (%s timer(s))", sorted(gone), dropped)

    async def load(self) -> None:
        """Load the owned partitions not loaded yet: finish their half-written batches, then one scan
        of their armed pointers. Firing goes on meanwhile; a partition revoked during the load is
        dropped from it; a timer stopped during the load is not added back. On failure the
        partitions stay to be loaded (the loop retries)."""
        new = set(self._unloaded)
        if not new:
            return
        self._stopped_during_load = set()
        try:
            recovered = await self.store.recover(new)
            loaded = 0
            async for timer in self.store.load(new):
                if timer.task_id not in self._stopped_during_load:
                    loaded += self.schedule.add(timer)  # False once the partition is revoked
        finally:
            self._stopped_during_load = None
        self._unloaded -= new
        self.assignments += 1
        self.wake.set()
        log.info("owning partitions %s: %s timer(s) loaded, %s recovered", sorted(new), loaded, recovered)

    # -- firing -------------------------------------------------------------------------------
    async def fire_due(self) -> int:
        """Emit every escalation level that is due now, in batches; returns how many were new."""
        emitted = 0
        while True:
            async with self._lock:
                now = self.clock.now()
                batches = self.schedule.pop_due(now, self.batch)
                if not batches:
                    return emitted
                # one durable batch per partition, written concurrently
                results = await asyncio.gather(
                    *(self._fire(partition, dues, now) for partition, dues in batches.items()),
                    return_exceptions=True,
                )
                failed = [r for r in results if isinstance(r, BaseException)]
                fired = sum(r for r in results if isinstance(r, int))
                emitted += fired
                self.emitted += fired
                if failed:
                    raise failed[0]

    async def _fire(self, partition: int, dues: list[Due], now: datetime) -> int:
        try:
            stopped: set[str] = set()
            if partition not in self.trusted:
                stopped = await self.store.stopped_among([d.timer.task_id for d in dues])
            live = [d for d in dues if d.timer.task_id not in stopped]
            emitted = await self.store.fire(partition, [(d.key, overdue_event(d, now)) for d in live])
        except BaseException:
            self.schedule.retry(dues)
            raise
        for task_id in stopped:
            self.schedule.remove(task_id)
        for due in live:
            self.schedule.fired(due)
        return emitted

    async def run(self, stop: asyncio.Event) -> None:
        """Sleep until the next fire time (or until a sooner timer is armed), fire, repeat."""
        stopper = asyncio.create_task(stop.wait())
        stopper.add_done_callback(lambda _: self.wake.set())
        backoff = 0.5
        try:
            while not stop.is_set():
                self.wake.clear()
                try:
                    if self._unloaded:
                        await self.load()
                    fired = await self.fire_due()
                    backoff = 0.5
                    if fired:
                        log.info("emitted %s task.overdue event(s)", fired)
                    until = self.schedule.next_fire()
                except Exception as exc:
                    log.warning("firing failed, retrying in %.1fs: %s", backoff, exc)
                    until = self.clock.now() + timedelta(seconds=backoff)
                    backoff = min(backoff * 2, 10.0)
                await self.clock.wait(until, self.wake)
        finally:
            stopper.cancel()


def overdue_event(due: Due, now: datetime) -> Envelope:
    timer = due.timer
    payload = TaskOverdue(
        task_id=timer.task_id,
        complaint_id=timer.complaint_id,
        estate_id=timer.estate_id,
        due_at=timer.due_at,
        overdue_at=now,
        escalation_level=due.level,
        escalate_to=target_of(due.level),
    )
    event = new_event(payload, source=SOURCE, estate_id=timer.estate_id, now=now)
    return event.model_copy(update={"id": overdue_event_id(timer.task_id, due.level)})
