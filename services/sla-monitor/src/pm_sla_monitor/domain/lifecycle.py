"""Which clocks run, from an item's lifecycle facts (pure): start, pause, resume, move, stop, restart.

The facts of one item are folded in the order they happened (``at``, then a fixed order of types),
whatever order Kafka delivered them in across topics, so the result is the same for every
redelivery and reordering. ``own_policy`` says the estate has a policy stored in the SLA monitor:
then every deadline is computed from it (authoritative); otherwise a deadline the item arrived with
(triage's proposal, dispatch's sheet — computed from the same ``pm_common.sla`` defaults) is used.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from pm_common.calendar import HolidayCalendar, add_working_days
from pm_common.sla import SlaPolicy, compute_deadlines, grade_deadlines
from pm_sla_monitor.domain.clocks import Basis, Clock, new_clock
from pm_sla_monitor.domain.working_time import add_working

Fact = dict[str, Any]  # {"id", "type", "at": datetime, "d": {fields of the payload it needs}}
OWNER_CONTACT = frozenset(
    {"task.appointment_set", "task.on_site", "task.progress_noted", "task.resolved", "task.completed"}
)
ENDS = {"task.cancelled": "cancelled", "task.closed": "closed", "complaint.withdrawn": "withdrawn"}
ORDER = {  # same instant: assignment before the events that follow from it, ends last
    "complaint.received": 0,
    "complaint.triaged": 1,
    "task.assigned": 2,
    "task.on_site": 3,
    "task.paused": 4,
    "task.resumed": 5,
    "task.extension_approved": 6,
    "task.plan_submitted": 6,
    "task.resolved": 7,
    "task.completed": 7,
    "task.reopened": 8,
    "feedback.sent": 3,
}


class Folder:
    def __init__(self, kind: str, item_id: str, policy: SlaPolicy, own_policy: bool, calendar: HolidayCalendar):
        self.kind, self.item_id, self.policy, self.own, self.cal = kind, item_id, policy, own_policy, calendar
        self.clocks: dict[str, Clock] = {}
        self.generation = 0
        self.meta: dict[str, Any] = {}
        self.revision = 0

    # -- helpers ------------------------------------------------------------------------------
    def working(self, start: datetime, days: int) -> datetime:
        due: datetime = add_working_days(start, days, self.policy.timezone, calendar=self.cal).due
        return due

    def start(self, stage: str, at: datetime, due: datetime, basis: Basis, **meta: Any) -> None:
        if stage in self.clocks and self.clocks[stage].generation == self.generation:
            return  # a stage clock starts once per generation
        m = self.meta
        self.clocks[stage] = new_clock(
            self.item_id,
            "task" if self.kind == "task" else "complaint",
            stage,
            complaint_id=m.get("complaint_id", self.item_id),
            estate_id=m.get("estate_id", ""),
            started_at=at,
            due_at=max(due, at),
            basis=basis,
            calendar=self.cal,
            policy=self.policy,
            generation=self.generation,
            person_id=meta.get("person_id", m.get("person_id")),
            department=m.get("department"),
            ladder=meta.get("ladder", m.get("ladder", "general")),
            cause_id=m.get("cause_id"),
            correlation_id=m.get("correlation_id"),
        )

    def stop(self, stages: tuple[str, ...] | None, at: datetime, reason: str) -> None:
        for stage, clock in self.clocks.items():
            if stages is None or stage in stages:
                self.clocks[stage] = clock.stopped(at, reason)

    def ladder_of(self, urgency: str | None, grade: str | None, incident: bool) -> str:
        if grade == "major" or incident:
            return "major"
        return "urgent" if urgency == "urgent" else "general"

    # -- facts --------------------------------------------------------------------------------
    def apply(self, fact: Fact) -> None:
        kind, at, d = fact["type"], fact["at"], fact.get("d", {})
        self.meta["cause_id"], self.meta["correlation_id"] = fact["id"], fact.get("corr")
        for field in ("complaint_id", "estate_id"):
            if d.get(field):
                self.meta.setdefault(field, d[field])
        if kind in ENDS:
            self.stop(None, at, ENDS[kind])
        elif self.kind == "complaint":
            self.complaint_fact(kind, at, d)
        else:
            self.task_fact(kind, at, d)

    def complaint_fact(self, kind: str, at: datetime, d: dict[str, Any]) -> None:
        p = self.policy
        if kind == "complaint.received" and not d.get("resolved_at_intake"):
            urgent = d.get("urgency_reported") == "urgent"
            hours = p.acknowledge_urgent_hours if urgent else p.acknowledge_general_hours
            due = d.get("next_contact_by") or at + timedelta(hours=hours)
            self.start("acknowledge", at, due, "clock", ladder="urgent" if urgent else "general")
        elif kind == "complaint.triaged":
            self.triaged(at, d)
        elif kind == "task.assigned":
            self.stop(("dispatch",), at, "dispatched")
        elif kind in OWNER_CONTACT or (kind == "feedback.sent" and d.get("recipient_role") == "owner"):
            self.stop(("acknowledge", "reply"), at, "contacted")
            if kind == "feedback.sent":
                self.stop(("invalid_notice",), at, "notified")

    def triaged(self, at: datetime, d: dict[str, Any]) -> None:
        revision = int(d.get("revision") or 1)
        if revision < self.revision:
            return
        self.revision = revision
        p, decision, urgency = self.policy, d.get("decision"), d.get("urgency")
        grade = d.get("grade")
        self.meta["ladder"] = self.ladder_of(urgency, grade, bool(d.get("incident_id")))
        received = d.get("received_at") or at
        if decision == "needs_review":
            self.start("review", at, self.working(at, p.review_working_days), "working")
            return
        self.stop(("review",), at, "reviewed")
        if decision == "rejected":
            self.stop(("dispatch", "reply"), at, "rejected")
            self.start("invalid_notice", at, self.working(at, p.invalid_notice_working_days), "working")
            return
        computed = compute_deadlines(received, urgency or "general", d.get("category") or "other", p, self.cal)
        given = d.get("dispatch_by")
        dispatch_by = computed.dispatch_by if self.own or given is None else given
        self.start("dispatch", received, dispatch_by, "clock" if urgency == "urgent" else "working")
        if grade:
            reply_by = grade_deadlines(received, grade, p, self.cal)[0]
            if not self.own and d.get("reply_by"):
                reply_by = d["reply_by"]
            basis: Basis = "working" if grade == "important" else "clock"
            self.start("reply", received, reply_by, basis)

    def task_fact(self, kind: str, at: datetime, d: dict[str, Any]) -> None:
        if kind == "task.assigned":
            self.assigned(at, d)
        elif kind == "task.on_site":
            self.stop(("onsite",), at, "on_site")
        elif kind == "task.paused":
            for stage, clock in self.clocks.items():
                if stage != "return_visit":
                    self.clocks[stage] = clock.paused(at)
        elif kind == "task.resumed":
            for stage, clock in self.clocks.items():
                self.clocks[stage] = clock.resumed(at, self.cal)
        elif kind == "task.extension_approved":
            self.move(("resolve", "suggestion_reply"), d["new_resolve_by"])
        elif kind == "task.plan_submitted":
            self.stop(("plan",), at, "plan_submitted")
            self.move(("resolve",), d["plan_by"])
        elif kind in ("task.resolved", "task.completed"):
            self.stop(("onsite", "resolve", "suggestion_reply", "plan"), at, "resolved")
            due = self.working(at, self.policy.return_visit_working_days)
            self.start("return_visit", at, due, "working", person_id=None, ladder="general")
        elif kind == "task.reopened":
            self.reopened(at)

    def move(self, stages: tuple[str, ...], due: datetime) -> None:
        for stage in stages:
            clock = self.clocks.get(stage)
            if clock is not None and clock.state != "stopped":
                self.clocks[stage] = clock.moved(due)

    def assigned(self, at: datetime, d: dict[str, Any]) -> None:
        urgency, grade = d.get("urgency"), d.get("grade")
        self.meta.update(
            person_id=d.get("person_id") or self.meta.get("person_id"),
            department=d.get("department") or self.meta.get("department"),
            ladder=self.ladder_of(urgency, grade, bool(d.get("incident_id"))),
        )
        for stage, clock in self.clocks.items():  # a reassignment: the clocks run on, for the new assignee
            if clock.state != "stopped":
                self.clocks[stage] = replace(
                    clock, person_id=self.meta["person_id"], department=self.meta["department"]
                )
        if self.clocks:
            return
        p, cal = self.policy, self.cal
        assigned_at = d.get("assigned_at") or at
        computed = compute_deadlines(assigned_at, urgency or "general", d.get("category") or "other", p, cal)
        resolve_by = computed.resolve_by
        if grade:
            resolve_by = grade_deadlines(assigned_at, grade, p, cal)[1]
        if urgency == "urgent":
            onsite = computed.onsite_by or assigned_at
            if not self.own:
                onsite = d.get("onsite_by") or d.get("due_at") or onsite
            self.start("onsite", assigned_at, onsite, "clock")
        if not self.own:
            resolve_by = d.get("resolve_by") or (d.get("due_at") if urgency != "urgent" else None) or resolve_by
        self.start("suggestion_reply" if urgency == "suggestion" else "resolve", assigned_at, resolve_by, "working")
        if d.get("plan_by"):
            plan_by = self.working(assigned_at, p.complex_plan_working_days) if self.own else d["plan_by"]
            self.start("plan", assigned_at, plan_by, "working")

    def reopened(self, at: datetime) -> None:
        """Dissatisfied (or a supervisor reopened it): everything stops; the resolution clock starts
        again from now with its full length, as a new generation (its levels fire anew)."""
        previous = self.clocks.get("resolve") or self.clocks.get("suggestion_reply")
        self.stop(None, at, "reopened")
        self.generation += 1
        if previous is None:
            return
        if previous.basis == "working":
            due = add_working(at, previous.budget, previous.timezone, self.cal)
        else:
            due = at + previous.budget
        self.start(previous.stage, at, due, previous.basis)


def derive(
    kind: str, item_id: str, facts: list[Fact], policy: SlaPolicy, own_policy: bool, calendar: HolidayCalendar
) -> dict[str, Clock]:
    """The clocks of one item after all of its facts, keyed by stage."""
    folder = Folder(kind, item_id, policy, own_policy, calendar)
    for fact in sorted(facts, key=lambda f: (f["at"], ORDER.get(f["type"], 5), f["id"])):
        folder.apply(fact)
    return folder.clocks
