"""SLA targets (DOMAIN §4, §9): each stage's deadline from the estate policy and the working-day calendar.

An estate's policy holds the defaults below; ``by_category`` overrides any target for one nature
(e.g. fees & finance answered within 5 working days). The SLA monitor stores them per estate
(``PUT /v1/estates/{estate_id}/sla-policy`` on the SLA monitor, with history) and is authoritative;
triage proposes ``complaint.triaged``'s deadlines from these same defaults.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator

from pm_common.calendar import HolidayCalendar, add_hours, add_working_days
from pm_common.events.payloads import Category as CategoryName
from pm_common.events.payloads import Deadlines
from pm_common.sla.ladder import EscalationLadder, default_ladders


class SlaTargets(BaseModel):
    """Targets that can be overridden for one category; unset fields keep the estate's value."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    acknowledge_minutes: int | None = Field(None, ge=0, le=1440)
    urgent_onsite_hours: float | None = Field(None, gt=0, le=72)
    urgent_resolve_working_days: int | None = Field(None, ge=0, le=60)
    urgent_dispatch_minutes: int | None = Field(None, ge=0, le=1440)
    repair_working_days: int | None = Field(None, ge=0, le=60)
    complaint_working_days: int | None = Field(None, ge=0, le=60)
    complex_plan_working_days: int | None = Field(None, ge=0, le=60)
    suggestion_reply_working_days: int | None = Field(None, ge=0, le=60)
    dispatch_working_days: int | None = Field(None, ge=0, le=10)


class SlaPolicy(BaseModel):
    """Defaults from DOMAIN §4; an estate may override any of them, and per category."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    timezone: str = "Asia/Shanghai"
    acknowledge_minutes: int = Field(0, ge=0, le=1440)  # acknowledgement: at once (intake answers on the spot)
    urgent_onsite_hours: float = Field(2.0, gt=0, le=72)  # X: on site, around the clock
    urgent_resolve_working_days: int = Field(1, ge=0, le=60)
    urgent_dispatch_minutes: int = Field(15, ge=0, le=1440)
    repair_working_days: int = Field(2, ge=0, le=60)  # Y: general repair
    complaint_working_days: int = Field(3, ge=0, le=60)  # general complaint
    complex_plan_working_days: int = Field(5, ge=0, le=60)  # Z: a plan for a group-wide (complex) problem
    suggestion_reply_working_days: int = Field(7, ge=0, le=60)  # A
    dispatch_working_days: int = Field(1, ge=0, le=10)
    # complaint grades (DOMAIN §9): reply (回复) and handled (处理完毕) are two clocks
    major_reply_hours: float = Field(2.0, gt=0, le=72)
    major_handled_working_days: int = Field(3, ge=0, le=60)
    important_reply_working_days: int = Field(1, ge=0, le=60)
    important_handled_working_days: int = Field(2, ge=0, le=60)
    minor_reply_hours: float = Field(2.0, gt=0, le=72)
    minor_handled_working_days: int = Field(1, ge=0, le=60)
    by_category: dict[CategoryName, SlaTargets] = Field(default_factory=dict)
    # clocks the SLA monitor runs besides the ones above (DOMAIN §1, §9)
    acknowledge_urgent_hours: float = Field(2.0, gt=0, le=72)  # intake's next-contact promise, urgent
    acknowledge_general_hours: float = Field(24.0, gt=0, le=240)
    review_working_days: int = Field(1, ge=0, le=10)  # items waiting for a supervisor's review
    invalid_notice_working_days: int = Field(1, ge=0, le=10)  # tell the complainant why (无效投诉)
    return_visit_working_days: int = Field(3, ge=0, le=30)  # 回访 after handling
    warning_fractions: tuple[Annotated[float, Field(gt=0, lt=1)], ...] = Field(
        (0.5, 0.8), max_length=5, description="warn the assignee when these shares of a stage's time are used"
    )
    ladders: dict[str, EscalationLadder] = Field(
        default_factory=default_ladders, description="escalation ladders: general, urgent, major"
    )

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"未知时区 {value} / unknown time zone {value}") from None
        return value

    @field_validator("warning_fractions")
    @classmethod
    def _fractions(cls, value: tuple[float, ...]) -> tuple[float, ...]:
        return tuple(sorted(set(value)))

    def ladder(self, key: str) -> EscalationLadder:
        return self.ladders.get(key) or default_ladders()[key]

    def for_category(self, category: str) -> SlaPolicy:
        """This policy with the category's overrides applied."""
        targets = self.by_category.get(category)  # type: ignore[call-overload]
        if targets is None:
            return self
        return self.model_copy(update=targets.model_dump(exclude_none=True))


def compute_deadlines(
    received_at: datetime,
    urgency: str,
    category: str,
    policy: SlaPolicy,
    calendar: HolidayCalendar,
    scope: str | None = None,
) -> Deadlines:
    """Stage deadlines counted from ``received_at`` (acceptance) in the estate's time zone.

    Urgent: dispatch within minutes and on site within hours around the clock; resolution in working
    days. Otherwise dispatch within working days, and resolution by class: suggestion reply (A),
    a plan for a group-wide problem (Z), engineering repair (Y), any other complaint.
    """
    policy = policy.for_category(category)
    warnings: list[str] = []

    def working(n: int) -> datetime:
        deadline = add_working_days(received_at, n, policy.timezone, calendar=calendar)
        warnings.extend(w for w in deadline.warnings if w not in warnings)
        due: datetime = deadline.due
        return due

    if urgency == "urgent":
        dispatch_by = received_at + timedelta(minutes=policy.urgent_dispatch_minutes)
        onsite_by: datetime | None = add_hours(received_at, policy.urgent_onsite_hours).due
        resolve_by = working(policy.urgent_resolve_working_days)
    else:
        dispatch_by = working(policy.dispatch_working_days)
        onsite_by = None
        if urgency == "suggestion":
            resolve_by = working(policy.suggestion_reply_working_days)
        elif scope == "group":
            resolve_by = working(policy.complex_plan_working_days)
        elif category == "engineering":
            resolve_by = working(policy.repair_working_days)
        else:
            resolve_by = working(policy.complaint_working_days)
    return Deadlines(
        acknowledge_by=received_at + timedelta(minutes=policy.acknowledge_minutes),
        dispatch_by=dispatch_by,
        onsite_by=onsite_by,
        resolve_by=resolve_by,
        warnings=tuple(warnings),
    )


def grade_deadlines(
    received_at: datetime, grade: str, policy: SlaPolicy, calendar: HolidayCalendar
) -> tuple[datetime, datetime]:
    """(reply_by, handled_by) of a complaint grade: major reply 2 h / handled 3 working days,
    important 1 / 2 working days, minor 2 h / 1 working day (DOMAIN §9 defaults)."""

    def working(n: int) -> datetime:
        due: datetime = add_working_days(received_at, n, policy.timezone, calendar=calendar).due
        return due

    if grade == "major":
        return add_hours(received_at, policy.major_reply_hours).due, working(policy.major_handled_working_days)
    if grade == "important":
        return working(policy.important_reply_working_days), working(policy.important_handled_working_days)
    return add_hours(received_at, policy.minor_reply_hours).due, working(policy.minor_handled_working_days)
