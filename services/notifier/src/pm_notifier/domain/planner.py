"""Which messages an event causes: pure, from the payload, the estate's roster and the task's facts."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from pm_common.events import ComplaintReceived, ComplaintTriaged, TaskAssigned, TaskCompleted, TaskOverdue
from pm_common.events.payloads import GroupIncidentDeclared, GroupIncidentResolved
from pm_common.events.sla import TaskSlaWarning
from pm_common.events.task_lifecycle import (
    TaskAppointmentSet,
    TaskExtensionApproved,
    TaskPaused,
    TaskProgressNoted,
    TaskResolved,
)
from pm_common.org import OrgSnapshot, on_duty
from pm_notifier.domain.model import Intent, Recipient

REJECTION_ZH = {
    "outside_duties": "该事项不属于物业服务范围",
    "in_litigation": "该事项已进入诉讼、仲裁或行政复议程序",
    "no_facts": "缺少具体事实或有效联系方式",
    "repeat": "该事项此前已处理并答复，且无新的事实",
    "false_or_malicious": "经核实反映内容不属实",
}
PAUSE_ZH = {
    "owner_access": "需与您约定入户时间",
    "parts": "等待配件",
    "third_party": "需第三方单位配合",
    "judicial": "涉及司法程序",
    "other": "其他原因",
}
URGENCY_ZH = {"urgent": "紧急", "general": "一般", "suggestion": "建议"}
LEVEL_ZH = {1: "提醒", 2: "升级", 3: "升级", 4: "升级"}
# task.overdue v1's escalate_to → the organisation roles reached when the event names nobody
ESCALATE_ROLES = {
    "handler": "handler",
    "supervisor": "supervisor",
    "project_manager": "project_manager",
    "company": "leadership",
}


@dataclass(frozen=True)
class PlanContext:
    snapshot: OrgSnapshot | None
    now: datetime
    data: dict[str, Any] = field(default_factory=dict)  # the envelope's raw data (fields newer than the model)
    causation_id: str | None = None
    task: dict[str, Any] = field(default_factory=dict)  # what task.assigned said about the task (handler…)


@dataclass(frozen=True)
class Planned:
    intent: Intent
    slot: str  # delivery key part: the template, or a shared slot for messages that replace each other
    cause_id: str | None = None  # overrides the event id in the delivery key


def _owner(complaint_id: str, template: str, params: dict[str, str]) -> Planned:
    return Planned(Intent(Recipient("owner", complaint_id), template, params), template)


def _staff(
    person_ids: list[str], role: str, template: str, params: dict[str, str], urgent: bool = False
) -> list[Planned]:
    seen: list[str] = []
    for p in person_ids:
        if p and p not in seen:
            seen.append(p)
    return [Planned(Intent(Recipient("staff", p, role), template, params, urgent), template) for p in seen]


def on_duty_ids(ctx: PlanContext, role: str) -> list[str]:
    if ctx.snapshot is None:
        return []
    return [p.person_id for p in on_duty(ctx.snapshot, role, ctx.now)]


def on_duty_or_queue(ctx: PlanContext, role: str) -> list[str]:
    """The people on duty in ``role``, or the role's work queue (``role:<role>``) when the estate has
    no roster or nobody is on duty: a message to staff is never dropped for want of a name."""
    return on_duty_ids(ctx, role) or [f"role:{role}"]


def _iso(value: datetime) -> str:
    return value.isoformat()


def plan(payload: Any, ctx: PlanContext) -> list[Planned]:  # one branch per event type
    e = payload
    if isinstance(e, ComplaintReceived):
        return [_owner(e.complaint_id, "acknowledgement", {"estate": e.estate_id, "reference_no": e.reference_no})]
    if isinstance(e, ComplaintTriaged) and e.decision == "rejected":
        reason = e.rejection_reason or "outside_duties"
        params = {
            "estate": e.estate_id,
            "reason": REJECTION_ZH.get(reason, reason),
            "reason_en": reason.replace("_", " "),
            "referral": f"建议：{e.referral}。" if e.referral else "",
            "referral_en": "We told you in Chinese whom to contact instead. " if e.referral else "",
        }
        return [_owner(e.complaint_id, "non_acceptance", params)]
    if isinstance(e, TaskAssigned) and e.handler_id:
        params = {
            "estate": e.estate_id,
            "task_id": e.task_id,
            "category": e.category,
            "urgency": URGENCY_ZH[e.urgency],
            "urgency_en": e.urgency,
            "due_at": _iso(e.due_at),
        }
        return _staff([e.handler_id], "handler", "assignment", params, urgent=e.urgency == "urgent")
    if isinstance(e, TaskAppointmentSet):
        return [_owner(e.complaint_id, "appointment", {"estate": e.estate_id, "visit_at": _iso(e.visit_at)})]
    if isinstance(e, TaskProgressNoted):
        params = {"estate": e.estate_id, "note": e.note_zh, "note_en": e.note_en or e.note_zh}
        return [_owner(e.complaint_id, "progress", params)]
    if isinstance(e, TaskExtensionApproved):
        params = {"estate": e.estate_id, "reason": e.reason, "new_resolve_by": _iso(e.new_resolve_by)}
        return [_owner(e.complaint_id, "extension", params)]
    if isinstance(e, TaskPaused):
        params = {
            "estate": e.estate_id,
            "reason": PAUSE_ZH[e.reason],
            "reason_en": e.reason.replace("_", " "),
            "note": f"{e.note}。" if e.note else "",
            "note_en": "",
        }
        return [_owner(e.complaint_id, "paused", params)]
    if isinstance(e, (TaskResolved, TaskCompleted)):
        # A resolution caused by a group incident's answer shares the broadcast's slot: one answer each.
        params = {"estate": e.estate_id, "result_summary": e.result_summary}
        intent = Intent(Recipient("owner", e.complaint_id), "result", params)
        return [Planned(intent, "owner_answer", ctx.causation_id)] if ctx.causation_id else [Planned(intent, "result")]
    if isinstance(e, TaskSlaWarning):
        params = {
            "task_id": e.task_id,
            "stage": e.stage,
            "deadline": _iso(e.deadline),
            "percent": str(round(e.fraction * 100)),
        }
        return _staff(list(e.recipients), "handler", "sla_warning", params)
    if isinstance(e, TaskOverdue):
        recipients = [str(r) for r in ctx.data.get("recipients") or []]  # v2 names them
        if not recipients and e.escalate_to == "handler" and ctx.task.get("handler_id"):
            recipients = [str(ctx.task["handler_id"])]
        if not recipients:
            recipients = on_duty_or_queue(ctx, ESCALATE_ROLES[e.escalate_to])
        params = {
            "task_id": e.task_id,
            "stage": str(ctx.data.get("stage") or "resolve"),
            "deadline": _iso(e.due_at),
            "level": str(e.escalation_level),
            "level_zh": LEVEL_ZH[e.escalation_level],
        }
        return _staff(recipients, e.escalate_to, "escalation", params, urgent=e.escalation_level >= 2)
    if isinstance(e, GroupIncidentDeclared):
        params = {
            "estate": e.estate_id,
            "place": e.place,
            "count": str(len(e.complaint_ids)),
            "incident_id": e.incident_id,
        }
        planned = []
        for role in e.escalate_to:  # project_manager, company (集团领导 on the roster)
            people = on_duty_or_queue(ctx, ESCALATE_ROLES[role])
            planned += _staff(people, role, "incident_escalation", params, urgent=True)
        return [Planned(replace(p.intent, incident_id=e.incident_id), p.slot) for p in planned]
    if isinstance(e, GroupIncidentResolved):
        params = {"estate": e.estate_id, "answer": e.answer_zh, "answer_en": e.answer_en or e.answer_zh}
        intents = [
            Intent(Recipient("owner", c), "incident_broadcast", params, incident_id=e.incident_id)
            for c in e.complaint_ids
        ]
        return [Planned(i, "owner_answer") for i in intents]
    return []
