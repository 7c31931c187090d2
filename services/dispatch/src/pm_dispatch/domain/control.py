"""Plans, extensions, pauses, notes and joint consultations on a task (pure, like ``actions``)."""

from __future__ import annotations

from datetime import datetime

from pm_common.events import task_lifecycle as ev
from pm_dispatch.domain import lifecycle as lc
from pm_dispatch.domain.actions import base
from pm_dispatch.domain.errors import RuleViolated
from pm_dispatch.domain.task import Consultation, Extension, Note, Plan, PlanStep, Task, pause_record

PAUSE_REASONS = ("owner_access", "parts", "third_party", "judicial", "other")


def submit_plan(task: Task, actor: str, at: datetime, steps: list[PlanStep]) -> None:
    lc.enter(task, "submit_plan")
    if not steps:
        raise RuleViolated("plan_empty", "处理方案至少需要一个步骤", "a plan needs at least one step")
    task.plan = Plan(steps=steps, submitted_by=actor, submitted_at=at)
    task.deadlines.plan_by = task.plan.plan_by
    task.log(at, actor, "plan_submitted", "; ".join(f"{s.description} ({s.owner}, {s.due:%Y-%m-%d})" for s in steps))
    task.emit(ev.TaskPlanSubmitted(**base(task, actor, at), plan_by=task.plan.plan_by))


def approve_plan(task: Task, actor: str, at: datetime) -> None:
    lc.enter(task, "approve_plan")
    if task.plan is None or task.plan.status != "submitted":
        raise RuleViolated("no_plan_submitted", "没有待审批的处理方案", "there is no submitted plan to approve")
    task.plan.status, task.plan.approved_by, task.plan.approved_at = "approved", actor, at
    task.log(at, actor, "plan_approved")
    task.emit(ev.TaskPlanApproved(**base(task, actor, at)))


def request_extension(task: Task, actor: str, at: datetime, reason: str, new_resolve_by: datetime) -> Extension:
    lc.enter(task, "request_extension")
    if any(x.status == "requested" for x in task.extensions):
        raise RuleViolated("extension_pending", "已有待审批的延期申请", "an extension request is already pending")
    current = task.deadlines.resolve_by
    if new_resolve_by <= at or (current is not None and new_resolve_by <= current):
        raise RuleViolated(
            "extension_not_later", "延期后的时限须晚于当前时限", "the new deadline must be later than the current one"
        )
    ext = Extension(
        n=len(task.extensions) + 1,
        reason=reason,
        requested_resolve_by=new_resolve_by,
        requested_by=actor,
        requested_at=at,
    )
    task.extensions.append(ext)
    task.log(at, actor, "extension_requested", f"{reason} → {new_resolve_by.isoformat()}")
    task.emit(ev.TaskExtensionRequested(**base(task, actor, at), reason=reason, requested_resolve_by=new_resolve_by))
    return ext


def decide_extension(task: Task, actor: str, at: datetime, n: int, approve: bool, note: str | None) -> None:
    lc.enter(task, "decide_extension")
    ext = next((x for x in task.extensions if x.n == n), None)
    if ext is None or ext.status != "requested":
        raise RuleViolated("no_pending_extension", "没有该待审批的延期申请", "no such pending extension request")
    ext.status = "approved" if approve else "rejected"
    ext.decided_by, ext.decided_at, ext.note = actor, at, note
    if approve:
        task.deadlines.resolve_by = ext.requested_resolve_by
        if task.due_at is None or task.due_at < ext.requested_resolve_by:
            task.due_at = ext.requested_resolve_by
        task.log(at, actor, "extension_approved", f"{ext.reason} → {ext.requested_resolve_by.isoformat()}")
        task.emit(
            ev.TaskExtensionApproved(
                **base(task, actor, at), reason=ext.reason, new_resolve_by=ext.requested_resolve_by
            )
        )
    else:
        task.log(at, actor, "extension_rejected", note or "")
        task.emit(ev.TaskExtensionRejected(**base(task, actor, at), note=note))


def pause(task: Task, actor: str, at: datetime, reason: str, note: str | None) -> None:
    if reason not in PAUSE_REASONS:
        raise RuleViolated("pause_reason", "暂停原因无效", f"unknown pause reason {reason}")
    previous = task.status
    task.status = lc.enter(task, "pause")
    task.pauses.append(pause_record(reason, note, at, actor, previous))
    task.log(at, actor, "paused", f"{reason}: {note or ''}".strip())
    task.emit(ev.TaskPaused(**base(task, actor, at), reason=reason, note=note))


def resume(task: Task, actor: str, at: datetime) -> None:
    lc.enter(task, "resume")
    current = task.open_pause
    task.status = current.resume_to if current else "in_progress"
    if current:
        current.resumed_at = at
    task.log(at, actor, "resumed")
    task.emit(ev.TaskResumed(**base(task, actor, at)))


def add_note(
    task: Task,
    actor: str,
    at: datetime,
    *,
    kind: str,
    text_zh: str,
    text_en: str | None,
    subject_staff_id: str | None = None,
) -> Note:
    """``progress`` notes reach the owner (``task.progress_noted``); ``internal`` notes and the
    ``staff_statement`` of the staff member complained about stay inside dispatch."""
    lc.enter(task, "note")
    visibility = "owner" if kind == "progress" else "internal"
    note = Note(
        at=at,
        by=actor,
        visibility=visibility,
        kind=kind,
        text_zh=text_zh,
        text_en=text_en,
        subject_staff_id=subject_staff_id,
    )
    task.notes.append(note)
    task.log(at, actor, f"note_{kind}", text_zh if kind == "progress" else "")
    if kind == "progress":
        task.emit(ev.TaskProgressNoted(**base(task, actor, at), note_zh=text_zh, note_en=text_en))
    return note


def consult(task: Task, actor: str, at: datetime, participants: list[str], summary: str, decision: str) -> None:
    """Joint consultation (会商) of the departments involved, on the coordinating task."""
    lc.enter(task, "consult")
    task.consultations.append(
        Consultation(at=at, by=actor, participants=participants, summary=summary, decision=decision)
    )
    task.log(at, actor, "consultation", f"{summary} → {decision}")
