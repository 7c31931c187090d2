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


def next_escalation_at(due_at: datetime, level: int, step: timedelta) -> datetime | None:
    """When level ``level + 1`` fires, or ``None`` after the top of the ladder."""
    if level >= TOP_LEVEL:
        return None
    return due_at + step * level
