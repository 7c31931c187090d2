"""Builders of lifecycle facts for the pure tests (the shape ``service_layer.facts`` produces)."""

from __future__ import annotations

from datetime import datetime, timedelta
from itertools import count
from typing import Any
from zoneinfo import ZoneInfo

from pm_common.calendar import HolidayCalendar
from pm_common.sla import SlaPolicy
from pm_sla_monitor.domain.clocks import Clock
from pm_sla_monitor.domain.lifecycle import Fact, derive

SH = ZoneInfo("Asia/Shanghai")
CAL = HolidayCalendar.load()
_ids = count(1)


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=SH)  # type: ignore[misc]


def fact(kind: str, at: datetime, **d: Any) -> Fact:
    return {"id": f"e{next(_ids)}", "type": kind, "at": at, "corr": "corr-1", "d": {"estate_id": "SUNNY", **d}}


def task_clocks(*facts: Fact, policy: SlaPolicy | None = None, own: bool = True) -> dict[str, Clock]:
    return derive("task", "T-1", list(facts), policy or SlaPolicy(), own, CAL)


def complaint_clocks(*facts: Fact, policy: SlaPolicy | None = None, own: bool = True) -> dict[str, Clock]:
    return derive("complaint", "c-1", list(facts), policy or SlaPolicy(), own, CAL)


def assigned(at: datetime, **d: Any) -> Fact:
    return fact("task.assigned", at, task_id="T-1", complaint_id="c-1", assigned_at=at, **d)


def hours(n: float) -> timedelta:
    return timedelta(hours=n)
