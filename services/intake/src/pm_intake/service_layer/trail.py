"""The item's trail at intake: what each downstream event adds to the register (status, fields, one
timeline entry, and for the owner's messages one inbox entry). Pure: the handler applies it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pm_common.events.notify import ReturnVisitRecorded
from pm_common.events.payloads import ComplaintTriaged, FeedbackSent, SurveyAnswered, TaskAssigned, TaskCompleted
from pm_common.events.task_lifecycle import TaskClosed, TaskProgressNoted, TaskReopened, TaskResolved
from pm_intake.domain import lifecycle

_OUTCOME_ZH = {"satisfied": "满意", "dissatisfied": "不满意", "no_response": "未回应"}


@dataclass(frozen=True)
class Step:
    """One downstream event's change: ``proposed`` status ('' keeps it), ``$set`` fields, the timeline
    entry, and an owner inbox message (the owner's own copy of what the notifier delivered)."""

    proposed: str
    extra: dict[str, Any]
    entry: dict[str, Any]
    inbox: dict[str, Any] | None = field(default=None)


def step_for(payload: Any, at: datetime) -> Step | None:
    """The change an event makes to its complaint, or ``None`` when it is not about the item itself."""
    if isinstance(payload, ComplaintTriaged):
        proposed = "rejected" if payload.decision == "rejected" else "triaged"
        note = f"已分类：{payload.category} / {payload.urgency}"
        if payload.decision == "rejected" and payload.rejection_reason:
            note = f"不予受理：{payload.rejection_reason}"
        extra = {"triage": payload.model_dump(mode="json"), "category": payload.category}
        return Step(proposed, extra, lifecycle.entry(at, "triaged", note))
    if isinstance(payload, TaskAssigned):
        if not own_task(payload.task_id, payload.complaint_id):  # a sub-task or a group incident's parent
            return None
        extra = {
            "task_id": payload.task_id,
            "category": payload.category,
            "department": payload.department,
            "handler_id": payload.handler_id,
        }
        return Step("in_progress", extra, lifecycle.entry(at, "assigned", f"已派单至 {payload.department}"))
    if isinstance(payload, TaskCompleted):  # old records (dispatch now sends task.resolved)
        return Step("done", {}, lifecycle.entry(at, "result", payload.result_summary))
    if isinstance(payload, TaskResolved | TaskProgressNoted | TaskClosed | TaskReopened):
        if not own_task(payload.task_id, payload.complaint_id):  # sub-tasks and incident parents: not the item's own
            return None
        return _task_step(payload, at)
    if isinstance(payload, FeedbackSent) and payload.recipient_role == "owner":
        return Step("", {}, lifecycle.entry(at, "feedback", payload.message_zh), inbox_entry(payload))
    return _followup_step(payload, at)


def inbox_entry(sent: FeedbackSent) -> dict[str, Any]:
    """What the owner's inbox keeps of a delivered message: the text, never an address."""
    return {
        "notification_id": sent.notification_id,
        "at": sent.sent_at,
        "template": sent.template,
        "channel": sent.channel,
        "message_zh": sent.message_zh,
        "message_en": sent.message_en,
    }


def _followup_step(payload: Any, at: datetime) -> Step | None:
    """The owner's survey answer and the return visit's outcome (回访), part of the archived trail."""
    if isinstance(payload, SurveyAnswered):
        verdict = "满意" if payload.satisfied else "不满意"
        note = f"业主评价：{payload.score} 分（{verdict}）" + (f"：{payload.comment}" if payload.comment else "")
        return Step("", {}, lifecycle.entry(at, "survey", note))
    if isinstance(payload, ReturnVisitRecorded):
        note = f"回访结果：{_OUTCOME_ZH[payload.outcome]}" + (f"：{payload.note}" if payload.note else "")
        return Step("", {}, lifecycle.entry(at, "return_visit", note, "internal"))
    return None


def own_task(task_id: str, complaint_id: str) -> bool:
    """Whether a task event is about the item's own task ``T-<complaint>`` (dispatch's sub-tasks are
    ``T-<complaint>-<n>``, a group incident's parent ``T-<incident>``; other ids predate that scheme)."""
    return task_id == f"T-{complaint_id}" or not task_id.startswith("T-")


def _task_step(payload: TaskResolved | TaskProgressNoted | TaskClosed | TaskReopened, at: datetime) -> Step:
    """A step of the complaint's main task. Closure archives the item: its registration and its whole
    handling record stay together in the one register document (``archived_at``, ``closed_outcome``)."""
    if isinstance(payload, TaskResolved):
        return Step("done", {}, lifecycle.entry(at, "result", payload.result_summary))
    if isinstance(payload, TaskProgressNoted):
        return Step("", {}, lifecycle.entry(at, "progress", payload.note_zh))
    if isinstance(payload, TaskClosed):
        extra = {"archived_at": at, "closed_outcome": payload.outcome}
        return Step("closed", extra, lifecycle.entry(at, "closed", "已回访并关闭 / closed after feedback"))
    return Step("reopened", {}, lifecycle.entry(at, "reopened", f"重新处理：{payload.reason}"))


def superseded(doc: dict[str, Any], triaged: ComplaintTriaged) -> bool:
    """Whether the register already holds a triage decision at least as recent as this one."""
    stored = doc.get("triage") or {}
    return bool(stored) and int(stored.get("revision", 1)) >= triaged.revision
