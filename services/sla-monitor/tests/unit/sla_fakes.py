"""An in-memory timer store with the same contract as the Mongo one (claims decide once-ness)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

from pm_common.events import Envelope
from pm_sla_monitor.domain.timer import Timer


class FakeTimerStore:
    def __init__(self) -> None:
        self.timers: dict[str, Timer] = {}
        self.pointers: dict[str, Timer] = {}
        self.stops: dict[str, dict[str, Any]] = {}
        self.claims: set[str] = set()
        self.events: list[Envelope] = []
        self.fail_next_fire = False

    async def arm(self, timer: Timer, armed_at: datetime) -> bool:
        self.timers.setdefault(timer.task_id, timer)
        if timer.task_id in self.stops:
            return False
        self.pointers[timer.task_id] = timer
        return True

    async def stop(self, task_id: str, stop: dict[str, Any]) -> None:
        self.stops.setdefault(task_id, stop)
        self.pointers.pop(task_id, None)

    async def stopped_among(self, task_ids: list[str]) -> set[str]:
        return {t for t in task_ids if t in self.stops}

    async def load(self, partitions: set[int]) -> AsyncIterator[Timer]:
        for timer in list(self.pointers.values()):
            if timer.partition in partitions:
                yield timer

    async def recover(self, partitions: set[int]) -> int:
        return 0

    async def fire(self, partition: int, firings: list[tuple[str, Envelope]]) -> int:
        if self.fail_next_fire:
            self.fail_next_fire = False
            raise ConnectionError("store down")
        new = [(k, e) for k, e in firings if k not in self.claims]
        self.claims.update(k for k, _ in new)
        self.events.extend(e for _, e in new)
        return len(new)


class FakePartitioner:
    """Key → partition by a fixed table (default 0)."""

    def __init__(self, table: dict[str, int] | None = None) -> None:
        self.table = table or {}

    async def partition_of(self, key: str) -> int:
        return self.table.get(key, 0)
