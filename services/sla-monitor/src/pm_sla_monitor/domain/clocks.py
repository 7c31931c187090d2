"""One clock per stage of an item (DOMAIN §4, §9): what it measures, where it stands, and its steps.

An *item* is a complaint (stages before or beside a task: acknowledge, review, invalid_notice,
dispatch, reply) or a task (onsite, resolve / suggestion_reply, plan, return_visit). A clock runs in
working time (``working``: stages in working days) or clock time (``clock``: around-the-clock stages).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Literal

from pm_common.calendar import HolidayCalendar
from pm_common.sla import SlaPolicy
from pm_sla_monitor.domain.working_time import add_clock, add_working, sub_working, working_between

Basis = Literal["working", "clock"]
State = Literal["running", "paused", "stopped"]
Outcome = Literal["met", "late", "void"]
TASK_STAGES = ("onsite", "resolve", "suggestion_reply", "plan", "return_visit")
COMPLAINT_STAGES = ("acknowledge", "review", "invalid_notice", "dispatch", "reply")
VOID_REASONS = frozenset({"cancelled", "withdrawn", "closed", "rejected", "superseded", "reopened"})


@dataclass(frozen=True, slots=True)
class Clock:
    item_id: str  # the task id (task stages) or the complaint id
    item: Literal["task", "complaint"]
    stage: str
    complaint_id: str
    estate_id: str
    basis: Basis
    started_at: datetime
    due_at: datetime
    budget: timedelta  # the stage's length in its basis, without pauses
    generation: int = 0  # +1 on every reopen: a restarted clock fires its levels anew
    state: State = "running"
    paused_at: datetime | None = None
    stopped_at: datetime | None = None
    stop_reason: str | None = None
    person_id: str | None = None
    department: str | None = None
    ladder: str = "general"  # general | urgent | major
    timezone: str = "Asia/Shanghai"
    cause_id: str | None = None  # the event that started or last changed the clock
    correlation_id: str | None = None

    @property
    def key(self) -> str:
        return clock_key(self.item_id, self.stage)

    @property
    def outcome(self) -> Outcome | None:
        if self.state != "stopped" or self.stopped_at is None:
            return None
        if self.stop_reason in VOID_REASONS:
            return "void"
        return "late" if self.stopped_at > self.due_at else "met"

    def stopped(self, at: datetime, reason: str) -> Clock:
        if self.state == "stopped":
            return self
        return replace(self, state="stopped", stopped_at=at, stop_reason=reason, paused_at=None)

    def paused(self, at: datetime) -> Clock:
        return replace(self, state="paused", paused_at=at) if self.state == "running" else self

    def resumed(self, at: datetime, calendar: HolidayCalendar) -> Clock:
        """Back to running; the deadline moves by the time actually paused, in the clock's basis."""
        if self.state != "paused" or self.paused_at is None:
            return self
        if self.basis == "working":
            held = working_between(self.paused_at, at, self.timezone, calendar)
            due = add_working(self.due_at, held, self.timezone, calendar)
        else:
            due = add_clock(self.due_at, max(at - self.paused_at, timedelta(0)))
        return replace(self, state="running", paused_at=None, due_at=due)

    def moved(self, due: datetime) -> Clock:
        return replace(self, due_at=due)

    def shifted(self, back: timedelta, calendar: HolidayCalendar) -> datetime:
        """The instant ``back`` (in the basis) before the deadline."""
        if self.basis == "working":
            return sub_working(self.due_at, back, self.timezone, calendar)
        return self.due_at - back

    def after_due(self, amount: timedelta, calendar: HolidayCalendar) -> datetime:
        if self.basis == "working":
            return add_working(self.due_at, amount, self.timezone, calendar)
        return add_clock(self.due_at, amount)


def clock_key(item_id: str, stage: str) -> str:
    return f"{item_id}|{stage}"


def new_clock(
    item_id: str,
    item: Literal["task", "complaint"],
    stage: str,
    *,
    complaint_id: str,
    estate_id: str,
    started_at: datetime,
    due_at: datetime,
    basis: Basis,
    calendar: HolidayCalendar,
    policy: SlaPolicy,
    **meta: object,
) -> Clock:
    if basis == "working":
        budget = working_between(started_at, due_at, policy.timezone, calendar)
    else:
        budget = max(due_at - started_at, timedelta(0))
    return Clock(
        item_id,
        item,
        stage,
        complaint_id,
        estate_id,
        basis,
        started_at,
        due_at,
        budget,
        timezone=policy.timezone,
        **meta,  # type: ignore[arg-type]
    )
