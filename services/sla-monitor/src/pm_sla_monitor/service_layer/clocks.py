"""Use case: a lifecycle event arrives → record it as a fact of its items, work out their clocks,
write what changed (armed deadlines, results) and tell the schedule (or the partition's owner)."""

from __future__ import annotations

import logging
from typing import Any, Protocol

from pm_common.calendar import HolidayCalendar
from pm_common.events import Envelope
from pm_common.sla import SlaPolicy
from pm_sla_monitor.domain.clocks import Clock
from pm_sla_monitor.domain.lifecycle import Fact, derive
from pm_sla_monitor.service_layer.facts import facts_of

log = logging.getLogger(__name__)


class ClockStore(Protocol):
    async def read_facts(self, item: str) -> list[Fact]: ...
    async def append(self, item: str, fact: Fact, known: list[Fact] | None = None) -> list[Fact]: ...
    async def put(self, clock: Clock, partition: int) -> None: ...
    async def drop(self, key: str) -> None: ...
    async def record(self, clock: Clock) -> None: ...
    async def notify_owner(self, partition: int, key: str) -> None: ...


class PolicySource(Protocol):
    async def policy(self, estate_id: str) -> tuple[SlaPolicy, bool]: ...


class Partitioner(Protocol):
    async def partition_of(self, key: str) -> int: ...


class ScheduleSink(Protocol):
    """The monitor: owns some partitions' schedules."""

    def owns(self, partition: int) -> bool: ...
    async def arm(self, clock: Clock, partition: int) -> None: ...
    def disarm(self, key: str) -> None: ...


class ClockService:
    def __init__(
        self,
        store: ClockStore,
        policies: PolicySource,
        partitioner: Partitioner,
        sink: ScheduleSink,
        calendar: HolidayCalendar,
    ) -> None:
        self.store, self.policies, self.partitioner, self.sink, self.calendar = (
            store,
            policies,
            partitioner,
            sink,
            calendar,
        )

    async def handle(self, envelope: Envelope) -> int:
        """Apply one event; returns how many clocks changed. Idempotent: a redelivered event
        re-applies its items' whole state (a crash may have left it half-written)."""
        changed = 0
        for kind, item_id, fact in facts_of(envelope):
            changed += await self._item(kind, item_id, fact)
        return changed

    async def _item(self, kind: str, item_id: str, fact: Fact) -> int:
        key = f"{kind}:{item_id}"
        before = await self.store.read_facts(key)
        duplicate = any(f["id"] == fact["id"] for f in before)
        facts = before if duplicate else await self.store.append(key, fact, before)
        estate = fact["d"].get("estate_id") or next((f["d"].get("estate_id") for f in facts), "")
        policy, own = await self.policies.policy(estate)
        after = derive(kind, item_id, facts, policy, own, self.calendar)
        previous: dict[str, Clock] = {}
        if not duplicate and len(facts) == len(before) + 1:
            previous = derive(kind, item_id, before, policy, own, self.calendar)
        changed = [c for stage, c in after.items() if previous.get(stage) != c]
        for clock in changed:
            await self.apply(clock)
        return len(changed)

    async def apply(self, clock: Clock) -> None:
        partition = await self.partitioner.partition_of(clock.item_id)
        if clock.state == "stopped":
            await self.store.record(clock)
            await self.store.drop(clock.key)
        else:
            await self.store.put(clock, partition)
        if self.sink.owns(partition):
            if clock.state == "running":
                await self.sink.arm(clock, partition)
            else:
                self.sink.disarm(clock.key)
        else:
            await self.store.notify_owner(partition, clock.key)


def describe(clock: Clock) -> dict[str, Any]:
    return {
        "stage": clock.stage,
        "state": clock.state,
        "due_at": clock.due_at,
        "started_at": clock.started_at,
        "basis": clock.basis,
        "generation": clock.generation,
        "paused_at": clock.paused_at,
        "stopped_at": clock.stopped_at,
        "stop_reason": clock.stop_reason,
        "outcome": clock.outcome,
        "person_id": clock.person_id,
        "department": clock.department,
    }
