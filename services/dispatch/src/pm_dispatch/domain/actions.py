"""The handling steps of a task: each checks the transition table and the rules, changes the task,
appends a work-log entry and emits its event (``task.pending``). Pure: no I/O, the time is passed in."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pm_common.events import TaskAssigned, TaskCancelled
from pm_common.events import task_lifecycle as ev
from pm_common.events.payloads import CancelReason, TaskAssignee, TaskDeadlines
from pm_dispatch.domain import lifecycle as lc
from pm_dispatch.domain.assignment import Assignee
from pm_dispatch.domain.errors import RuleViolated
from pm_dispatch.domain.task import AssigneeRecord, Resolution, Task


def base(task: Task, actor: str, at: datetime) -> dict[str, Any]:
    return {
        "task_id": task.id,
        "complaint_id": task.complaint_id,
        "estate_id": task.estate_id,
        "actor_id": actor,
        "at": at,
    }


def assign(task: Task, assignee: Assignee, actor: str, at: datetime, *, reason: str = "", reassigned: bool) -> None:
    """Give the task to ``assignee`` (creation, re-routing after a return, reassignment, reopening)."""
    record = AssigneeRecord.of(assignee)
    task.assignee = record
    task.assigned_at = at
    task.status = "assigned"
    task.log(at, actor, "reassigned" if reassigned else "assigned", reason or record.reason)
    d = task.deadlines
    task.emit(
        TaskAssigned(
            task_id=task.id,
            complaint_id=task.complaint_id,
            estate_id=task.estate_id,
            department=record.department,
            handler_id=record.person_id or record.contractor_id,
            category=task.category,
            urgency=task.urgency,
            due_at=task.due_at or at,
            assigned_at=at,
            assignee=TaskAssignee(
                kind=record.kind,
                department=record.department,
                team_id=record.team_id,
                person_id=record.person_id,
                contractor_id=record.contractor_id,
                name=record.name,
                reason=record.reason,
            ),
            parent_task_id=task.parent_task_id,
            grade=task.grade,
            deadlines=TaskDeadlines(**d.model_dump()),
            reassigned=reassigned,
            reason=reason or None,
            actor_id=actor,
            at=at,
        )
    )


def accept(task: Task, actor: str, at: datetime) -> None:
    task.status = lc.enter(task, "accept")
    task.log(at, actor, "accepted")
    task.emit(ev.TaskAccepted(**base(task, actor, at)))


def return_task(task: Task, actor: str, at: datetime, reason_code: str, note: str | None, rerouted: Assignee) -> None:
    """The assignee says it is not theirs: recorded, then the task goes to whoever the router chose."""
    lc.enter(task, "return")
    previous = task.assignee.model_dump() if task.assignee else None
    task.returns.append({"at": at, "by": actor, "reason_code": reason_code, "note": note, "from": previous})
    task.log(at, actor, "returned", f"{reason_code}: {note or ''}".strip())
    task.emit(ev.TaskReturned(**base(task, actor, at), reason_code=reason_code, note=note))
    assign(
        task, rerouted, actor, at, reason=f"退单后重新派单 / re-routed after return ({reason_code})", reassigned=True
    )


def set_appointment(task: Task, actor: str, at: datetime, visit_at: datetime) -> None:
    lc.enter(task, "set_appointment")
    if visit_at < at:
        raise RuleViolated("appointment_in_past", "预约上门时间不能早于当前时间", "the visit time is in the past")
    task.appointment_at = visit_at
    task.log(at, actor, "appointment_set", visit_at.isoformat())
    task.emit(ev.TaskAppointmentSet(**base(task, actor, at), visit_at=visit_at))


def check_in(task: Task, actor: str, at: datetime, evidence: list[str]) -> None:
    task.status = lc.enter(task, "check_in")
    task.checked_in_at = at
    task.log(at, actor, "on_site", "", evidence)
    task.emit(ev.TaskOnSite(**base(task, actor, at), checked_in_at=at))


def start(task: Task, actor: str, at: datetime) -> None:
    lc.enter(task, "start")
    if task.status == "accepted":
        lc.require_check_in(task)  # urgent and repair items start on site
    task.status = "in_progress"
    task.log(at, actor, "started")


def resolve(
    task: Task,
    actor: str,
    at: datetime,
    *,
    mode: str,
    summary: str,
    evidence: list[str],
    confirmation: str | None,
    open_subtasks: list[str],
) -> None:
    lc.enter(task, "resolve")
    lc.require_check_in(task)
    lc.require_owner_confirmation(task, confirmation)
    if mode == "plan":
        lc.require_approved_plan(task)
    lc.require_subtasks_resolved(task, open_subtasks)
    _resolved(task, actor, at, mode, summary, evidence, confirmation, None)


def resolve_linked(task: Task, actor: str, at: datetime, *, with_task: str | None, mode: str, summary: str) -> bool:
    """Resolved together with ``with_task`` (the parent of a group incident, or the last sub-task).
    Idempotent: a task already resolved (by anyone) is left as it is and ``False`` returned."""
    if not lc.allowed(task.status, "resolve_linked"):
        return False
    if task.status == "paused" and task.open_pause:
        task.open_pause.resumed_at = at
    _resolved(task, actor, at, mode, summary, [], None, with_task)
    return True


def _resolved(
    task: Task,
    actor: str,
    at: datetime,
    mode: str,
    summary: str,
    evidence: list[str],
    confirmation: str | None,
    with_task: str | None,
) -> None:
    task.status = "resolved"
    task.resolution = Resolution(
        handling_mode=mode,
        result_summary=summary,
        evidence_ids=list(evidence),
        owner_confirmation_ref=confirmation,
        by=actor,
        at=at,
        with_task_id=with_task,
    )
    task.log(at, actor, "resolved", f"{mode}: {summary}", evidence)
    task.emit(
        ev.TaskResolved(
            **base(task, actor, at),
            handling_mode=mode,
            result_summary=summary,
            evidence_ids=tuple(evidence),
            owner_confirmation_ref=confirmation,
            resolved_with_task_id=with_task,
        )
    )


def verify(task: Task, actor: str, at: datetime, note: str | None) -> None:
    task.status = lc.enter(task, "verify")
    task.verified_by, task.verified_at = actor, at
    task.log(at, actor, "verified", note or "")
    task.emit(ev.TaskVerified(**base(task, actor, at)))


def close(task: Task, actor: str, at: datetime, outcome: str) -> None:
    task.status = lc.enter(task, "close")
    task.closed_outcome, task.closed_at = outcome, at
    task.log(at, actor, "closed", outcome)
    task.emit(ev.TaskClosed(**base(task, actor, at), outcome=outcome))


def reopen(task: Task, actor: str, at: datetime, reason: str, assignee: Assignee) -> None:
    lc.enter(task, "reopen")
    task.reopen_count += 1
    task.resolution = None
    task.verified_by = task.verified_at = None
    task.closed_outcome = task.closed_at = None
    task.checked_in_at = None
    task.log(at, actor, "reopened", reason)
    task.emit(ev.TaskReopened(**base(task, actor, at), reason=reason))
    assign(task, assignee, actor, at, reason=f"重新处理 / reopened: {reason}", reassigned=True)


def reassign(task: Task, actor: str, at: datetime, assignee: Assignee, reason: str) -> None:
    lc.enter(task, "reassign")
    if task.open_pause:
        task.open_pause.resumed_at = at
    assign(task, assignee, actor, at, reason=reason, reassigned=True)


def cancel(
    task: Task, actor: str, at: datetime, note: str | None = None, *, reason: CancelReason = "withdrawn"
) -> bool:
    """Withdrawn by the owner, or stopped by a supervisor for ``reason`` (task.cancelled v2
    ``cancel_reason``). Idempotent: ``False`` when already over."""
    if not lc.allowed(task.status, "cancel"):
        return False
    emits = task.status != "awaiting_triage"  # nobody was working on it: nothing to announce
    task.status = "cancelled"
    task.cancelled_at = at
    task.cancel_reason = reason
    task.log(at, actor, "cancelled", f"{reason}: {note}" if note else reason)
    if emits:
        ids = {"task_id": task.id, "complaint_id": task.complaint_id, "estate_id": task.estate_id}
        task.emit(
            TaskCancelled(**ids, reason="withdrawn", note=note, cancelled_at=at, cancel_reason=reason, actor_id=actor)
        )
    return True
