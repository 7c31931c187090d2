"""The escalation ladder for overdue tasks (DOMAIN §5): reminder → supervisor → project manager → company."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Literal

Target = Literal["handler", "supervisor", "project_manager", "company"]
LADDER: tuple[Target, ...] = ("handler", "supervisor", "project_manager", "company")
TOP_LEVEL = len(LADDER)


def target_of(level: int) -> Target:
    """Level 1 reminds the handler; each further level goes one step up."""
    return LADDER[level - 1]


def fire_at(due_at: datetime, level: int, step: timedelta) -> datetime:
    """When level ``level`` (1 … ``TOP_LEVEL``) fires: level 1 at the deadline, each next one ``step`` later."""
    if not 1 <= level <= TOP_LEVEL:
        raise ValueError(f"no escalation level {level}")
    return due_at + step * (level - 1)


def next_escalation_at(due_at: datetime, level: int, step: timedelta) -> datetime | None:
    """When level ``level + 1`` fires, or ``None`` after the top of the ladder."""
    if level >= TOP_LEVEL:
        return None
    return fire_at(due_at, level + 1, step)
