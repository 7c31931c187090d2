"""A deadline timer of one task, and which Kafka partition owns it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import NAMESPACE_URL, uuid5


@dataclass(frozen=True, slots=True)
class Timer:
    """An armed deadline. ``partition`` is the partition the Kafka key of the task's events (the
    task id) lands on, which decides the instance that fires it."""

    task_id: str
    complaint_id: str
    estate_id: str
    due_at: datetime
    partition: int


@dataclass(frozen=True, slots=True)
class Due:
    """One escalation level of one timer that is due now."""

    timer: Timer
    level: int

    @property
    def key(self) -> str:
        """The unique key of this emission (timer × level): it is fired once, ever."""
        return firing_key(self.timer.task_id, self.level)


def firing_key(task_id: str, level: int) -> str:
    return f"{task_id}:{level}"


def overdue_event_id(task_id: str, level: int) -> str:
    """A deterministic event id per timer × level, so every retry carries the same id."""
    return uuid5(NAMESPACE_URL, f"urn:pm:task.overdue:{task_id}:{level}").hex
