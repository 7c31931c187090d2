"""The in-memory schedule of armed deadlines, per owned partition.

One binary heap per owned partition of ``(fire time, task id, level)`` with lazy deletion, and one
dict of the armed timers. Times are integer microseconds since the epoch (exact, and the level-1
entry shares its integer with the timer's deadline). About 0.3 KiB per armed timer (measured by
``bench/sla.py``). The schedule is a cache: the durable store is the source of truth, and the
schedule is rebuilt from it at start-up and on every partition assignment.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from pm_sla_monitor.domain.escalation import TOP_LEVEL
from pm_sla_monitor.domain.timer import Due, Timer

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_US = timedelta(microseconds=1)

# task id -> (deadline µs, complaint id, estate id, partition, next level to fire); the complaint id is
# kept as an offset into the task id when the task id ends with it (dispatch's ``T-<complaint id>``)
_Record = tuple[int, str | int, str, int, int]
_Entry = tuple[int, str, int]


def to_us(moment: datetime) -> int:
    return (moment - EPOCH) // _US


def from_us(us: int) -> datetime:
    return EPOCH + us * _US


class Schedule:
    def __init__(self, step: timedelta) -> None:
        self._step = step // _US
        self._heaps: dict[int, list[_Entry]] = {}
        self._timers: dict[str, _Record] = {}
        self._estates: dict[str, str] = {}  # interned estate ids: a few hundred estates, millions of timers

    # -- ownership ----------------------------------------------------------------------------
    @property
    def partitions(self) -> set[int]:
        return set(self._heaps)

    def owns(self, partition: int) -> bool:
        return partition in self._heaps

    def own(self, partitions: Iterable[int]) -> set[int]:
        """Start owning ``partitions``; returns the ones that are new (to be loaded)."""
        new = {p for p in partitions if p not in self._heaps}
        for p in new:
            self._heaps[p] = []
        return new

    def release(self, partitions: Iterable[int]) -> int:
        """Forget every timer of ``partitions`` (revoked); returns how many were dropped."""
        gone = {p for p in partitions if self._heaps.pop(p, None) is not None}
        if not gone:
            return 0
        drop = [task_id for task_id, record in self._timers.items() if record[3] in gone]
        for task_id in drop:
            del self._timers[task_id]
        return len(drop)

    # -- timers -------------------------------------------------------------------------------
    def add(self, timer: Timer, level: int = 1) -> bool:
        """Schedule ``timer`` from ``level`` on; ``False`` when its partition is not owned or it is known."""
        heap = self._heaps.get(timer.partition)
        if heap is None or timer.task_id in self._timers:
            return False
        estate = self._estates.setdefault(timer.estate_id, timer.estate_id)
        due = to_us(timer.due_at)
        complaint: str | int = timer.complaint_id
        if timer.task_id.endswith(timer.complaint_id):
            complaint = len(timer.task_id) - len(timer.complaint_id)
        self._timers[timer.task_id] = (due, complaint, estate, timer.partition, level)
        heapq.heappush(heap, (self._fire_us(due, level), timer.task_id, level))
        return True

    def remove(self, task_id: str) -> bool:
        """Disarm (the heap entry is dropped lazily when it comes up)."""
        return self._timers.pop(task_id, None) is not None

    def __contains__(self, task_id: object) -> bool:
        return task_id in self._timers

    def __len__(self) -> int:
        return len(self._timers)

    def level_of(self, task_id: str) -> int | None:
        """The next level this schedule will fire for ``task_id`` (``None`` if not armed here)."""
        record = self._timers.get(task_id)
        return record[4] if record else None

    # -- firing -------------------------------------------------------------------------------
    def next_fire(self) -> datetime | None:
        """The earliest fire time over all owned partitions, or ``None`` when nothing is armed."""
        tops = [top for p in self._heaps if (top := self._top(p)) is not None]
        return from_us(min(tops)) if tops else None

    def pop_due(self, now: datetime, limit: int) -> dict[int, list[Due]]:
        """Take up to ``limit`` due levels of each partition, in fire-time order. Each taken level must
        be given back: ``fired`` once it is durably emitted (or was already), ``retry`` on failure."""
        now_us = to_us(now)
        out: dict[int, list[Due]] = {}
        for p, heap in self._heaps.items():
            taken = 0
            while taken < limit and (top := self._top(p)) is not None and top <= now_us:
                _, task_id, level = heapq.heappop(heap)
                due, complaint, estate, partition, _ = self._timers[task_id]
                complaint_id = task_id[complaint:] if isinstance(complaint, int) else complaint
                out.setdefault(p, []).append(Due(Timer(task_id, complaint_id, estate, from_us(due), partition), level))
                taken += 1
        return out

    def fired(self, due: Due) -> None:
        """``due`` is durably emitted: schedule the next level, or forget the timer after the top one."""
        record = self._timers.get(due.timer.task_id)
        if record is None or record[4] != due.level:
            return  # disarmed meanwhile, or its partition was revoked and owned again
        if due.level >= TOP_LEVEL:
            del self._timers[due.timer.task_id]
            return
        level = due.level + 1
        self._timers[due.timer.task_id] = (*record[:4], level)
        heap = self._heaps.get(record[3])
        if heap is not None:
            heapq.heappush(heap, (self._fire_us(record[0], level), due.timer.task_id, level))

    def retry(self, dues: Iterable[Due]) -> None:
        """Put levels back that could not be emitted (the store was unreachable)."""
        for due in dues:
            record = self._timers.get(due.timer.task_id)
            heap = self._heaps.get(due.timer.partition)
            if record is not None and heap is not None and record[4] == due.level:
                heapq.heappush(heap, (self._fire_us(record[0], due.level), due.timer.task_id, due.level))

    # -- internals ----------------------------------------------------------------------------
    def _fire_us(self, due: int, level: int) -> int:
        return due if level == 1 else due + self._step * (level - 1)

    def _top(self, partition: int) -> int | None:
        """Fire time of the partition's earliest live entry; drops stale entries on the way."""
        heap = self._heaps[partition]
        while heap:
            fire, task_id, level = heap[0]
            record = self._timers.get(task_id)
            if record is not None and record[4] == level and record[3] == partition:
                return fire
            heapq.heappop(heap)
        return None
