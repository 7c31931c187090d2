"""The in-memory schedule of armed stage clocks, per owned partition.

One binary heap per owned partition of ``(fire time µs, clock key, step index)`` with lazy deletion,
and one dict of compact records of the armed clocks. The schedule is a cache: the durable store is
the source of truth, and the schedule is rebuilt from it at start-up and on every partition
assignment. What each step is and when the next one fires is the caller's business (``StepPlan``);
the schedule only orders fire times.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from pm_sla_monitor.domain.armed import from_us, pack, to_us, unpack
from pm_sla_monitor.domain.clocks import Clock

__all__ = ["Armed", "Due", "Schedule", "from_us", "to_us"]

_Entry = tuple[int, str, int]


class Armed:
    """One running clock in the schedule: key, place in the schedule, and the rest packed
    (``pm_sla_monitor.domain.armed``)."""

    __slots__ = ("blob", "fire_us", "index", "key", "partition")

    def __init__(self, clock: Clock, partition: int, index: int, fire_us: int, key: str | None = None) -> None:
        self.key = key or clock.key
        self.blob = pack(clock)
        self.partition = partition
        self.index = index
        self.fire_us = fire_us

    def clock(self) -> Clock:
        return unpack(self.key, self.blob)


@dataclass(frozen=True, slots=True)
class Due:
    """A clock whose next step is due: the caller works out which step(s) and gives it back."""

    clock: Clock
    index: int
    partition: int


class Schedule:
    def __init__(self) -> None:
        self._heaps: dict[int, list[_Entry]] = {}
        self._armed: dict[str, Armed] = {}

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
        """Forget every clock of ``partitions`` (revoked); returns how many were dropped."""
        gone = {p for p in partitions if self._heaps.pop(p, None) is not None}
        if not gone:
            return 0
        drop = [key for key, record in self._armed.items() if record.partition in gone]
        for key in drop:
            del self._armed[key]
        return len(drop)

    # -- clocks -------------------------------------------------------------------------------
    def put(self, clock: Clock, partition: int, index: int, fire_at: datetime) -> bool:
        """Schedule (or re-schedule) ``clock`` at step ``index``; ``False`` when the partition is not owned."""
        heap = self._heaps.get(partition)
        if heap is None:
            return False
        fire = to_us(fire_at)
        key = clock.key  # one string for the record, its dict slot and its heap entry
        self._armed[key] = Armed(clock, partition, index, fire, key)
        heapq.heappush(heap, (fire, key, index))
        return True

    def remove(self, key: str) -> bool:
        """Disarm (the heap entry is dropped lazily when it comes up)."""
        return self._armed.pop(key, None) is not None

    def __contains__(self, key: object) -> bool:
        return key in self._armed

    def __len__(self) -> int:
        return len(self._armed)

    def index_of(self, key: str) -> int | None:
        """The next step index this schedule will fire for ``key`` (``None`` if not armed here)."""
        record = self._armed.get(key)
        return record.index if record else None

    def clock_of(self, key: str) -> Clock | None:
        record = self._armed.get(key)
        return record.clock() if record else None

    def records(self) -> Iterable[Armed]:
        return self._armed.values()

    # -- firing -------------------------------------------------------------------------------
    def next_fire(self) -> datetime | None:
        tops = [top for p in self._heaps if (top := self._top(p)) is not None]
        return from_us(min(tops)) if tops else None

    def due_partitions(self, now: datetime) -> list[int]:
        """The owned partitions whose earliest clock is due at ``now``."""
        now_us = to_us(now)
        return [p for p in self._heaps if (top := self._top(p)) is not None and top <= now_us]

    def pop_due(self, now: datetime, limit: int) -> dict[int, list[Due]]:
        """``pop_due_of`` for every owned partition (those with due clocks)."""
        out = {p: self.pop_due_of(p, now, limit) for p in list(self._heaps)}
        return {p: dues for p, dues in out.items() if dues}

    def pop_due_of(self, partition: int, now: datetime, limit: int) -> list[Due]:
        """Take up to ``limit`` due clocks of ``partition``, in fire-time order. Each must be given
        back: ``advance`` once its step is durably emitted (or was already), ``retry`` on failure."""
        heap = self._heaps.get(partition)
        if heap is None:
            return []
        now_us = to_us(now)
        out: list[Due] = []
        while len(out) < limit and (top := self._top(partition)) is not None and top <= now_us:
            _, key, index = heapq.heappop(heap)
            record = self._armed[key]
            record.fire_us = -1  # in flight: not in the heap
            out.append(Due(record.clock(), index, partition))
        return out

    def advance(self, due: Due, index: int, fire_at: datetime) -> None:
        """``due`` was emitted: its next step is ``index`` at ``fire_at``."""
        record = self._armed.get(due.clock.key)
        if record is None or record.index != due.index or record.fire_us != -1:
            return  # disarmed or re-scheduled meanwhile, or its partition was revoked and owned again
        heap = self._heaps.get(record.partition)
        if heap is not None:
            record.index, record.fire_us = index, to_us(fire_at)
            heapq.heappush(heap, (record.fire_us, record.key, index))

    def retry(self, dues: Iterable[Due], at: datetime) -> None:
        """Put clocks back that could not be emitted (the store was unreachable)."""
        for due in dues:
            self.advance(due, due.index, at)

    # -- internals ----------------------------------------------------------------------------
    def _top(self, partition: int) -> int | None:
        """Fire time of the partition's earliest live entry; drops stale entries on the way."""
        heap = self._heaps[partition]
        while heap:
            fire, key, index = heap[0]
            record = self._armed.get(key)
            if (
                record is not None
                and record.index == index
                and record.fire_us == fire
                and record.partition == partition
            ):
                return fire
            heapq.heappop(heap)
        return None
