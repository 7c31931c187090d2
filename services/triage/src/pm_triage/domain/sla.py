"""SLA targets (DOMAIN §4): each stage's deadline from the estate policy and the working-day calendar."""

from __future__ import annotations

from datetime import datetime, timedelta

from pm_common.calendar import HolidayCalendar, add_hours, add_working_days
from pm_common.events.payloads import Deadlines
from pydantic import BaseModel, ConfigDict


class SlaPolicy(BaseModel):
    """Defaults from DOMAIN §4; an estate may override any of them (per category too, later)."""

    model_config = ConfigDict(frozen=True)

    timezone: str = "Asia/Shanghai"
    urgent_onsite_hours: float = 2.0  # X: on site, around the clock
    urgent_resolve_working_days: int = 1
    repair_working_days: int = 2  # Y: general repair
    complaint_working_days: int = 3  # general complaint
    complex_plan_working_days: int = 5  # Z
    suggestion_reply_working_days: int = 7  # A
    dispatch_working_days: int = 1
    urgent_dispatch_minutes: int = 15


def compute_deadlines(
    received_at: datetime, urgency: str, category: str, policy: SlaPolicy, calendar: HolidayCalendar
) -> Deadlines:
    warnings: list[str] = []

    def working(n: int) -> datetime:
        deadline = add_working_days(received_at, n, policy.timezone, calendar=calendar)
        warnings.extend(w for w in deadline.warnings if w not in warnings)
        return deadline.due

    if urgency == "urgent":
        dispatch_by = received_at + timedelta(minutes=policy.urgent_dispatch_minutes)
        onsite_by: datetime | None = add_hours(received_at, policy.urgent_onsite_hours).due
        resolve_by = working(policy.urgent_resolve_working_days)
    else:
        dispatch_by = working(policy.dispatch_working_days)
        onsite_by = None
        if urgency == "suggestion":
            resolve_by = working(policy.suggestion_reply_working_days)
        elif category == "engineering":
            resolve_by = working(policy.repair_working_days)
        else:
            resolve_by = working(policy.complaint_working_days)
    return Deadlines(
        acknowledge_by=received_at,
        dispatch_by=dispatch_by,
        onsite_by=onsite_by,
        resolve_by=resolve_by,
        warnings=tuple(warnings),
    )
