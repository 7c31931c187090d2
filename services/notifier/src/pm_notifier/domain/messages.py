"""What people read: message templates, Simplified Chinese first with English alongside."""

from __future__ import annotations

from dataclasses import dataclass

from pm_common.events import ComplaintTriaged, TaskCompleted, TaskOverdue
from pm_common.events.payloads import GroupIncidentDeclared, GroupIncidentResolved

ROLE_ZH = {"handler": "承办人", "supervisor": "客服主管", "project_manager": "项目经理", "company": "公司领导"}

REJECTION_ZH = {
    "outside_duties": "该事项不属于物业服务范围",
    "in_litigation": "该事项已进入诉讼、仲裁或行政复议程序",
    "no_facts": "缺少具体事实或有效联系方式",
    "repeat": "该事项此前已处理并答复，且无新的事实",
    "false_or_malicious": "经核实反映内容不属实",
}


@dataclass(frozen=True)
class Message:
    recipient_role: str
    channel: str
    template: str
    zh: str
    en: str


def overdue_message(event: TaskOverdue) -> Message:
    role = event.escalate_to
    level = event.escalation_level
    zh = (
        f"【超时{'提醒' if level == 1 else '升级'}】任务单 {event.task_id} 已超过处理时限"
        f"（截止 {event.due_at:%Y-%m-%d %H:%M} UTC），请{ROLE_ZH[role]}立即跟进。"
    )
    en = (
        f"[Overdue{' reminder' if level == 1 else f' escalation L{level}'}] Task {event.task_id} passed its "
        f"deadline ({event.due_at:%Y-%m-%d %H:%M} UTC); {role.replace('_', ' ')} please follow up now."
    )
    return Message(role, "console", f"task_overdue_l{level}", zh, en)


def rejection_message(event: ComplaintTriaged) -> Message:
    reason = event.rejection_reason or "outside_duties"
    zh = f"您反映的事项暂不予受理：{REJECTION_ZH.get(reason, reason)}。"
    en = f"Your item could not be accepted ({reason.replace('_', ' ')})."
    if event.referral:  # outside duties: who to contact instead
        zh += f"建议：{event.referral}"
        en += " We told you in Chinese which authority or company to contact."
    zh += "如有疑问请联系客服中心。"
    en += " Please contact the service centre with questions."
    return Message("owner", "sms", "complaint_rejected", zh, en)


def result_message(event: TaskCompleted) -> Message:
    zh = f"您反映的事项已处理完毕：{event.result_summary}。稍后我们将进行回访，请对本次服务进行评价。"
    en = f"Your item has been handled: {event.result_summary}. We will follow up with a short satisfaction survey."
    return Message("owner", "sms", "task_completed", zh, en)


INCIDENT_ROLES = {"project_manager": "服务中心负责人", "company": "公司领导"}


def incident_escalation_messages(event: GroupIncidentDeclared) -> list[Message]:
    """群诉 escalates at once to the service-centre head and company leadership."""
    messages = []
    for role in event.escalate_to:
        zh = (
            f"【群诉升级】{event.estate_id} {event.place} 在时间窗口内收到 {len(event.complaint_ids)} 起同类反映"
            f"（{event.category}），已认定为群体性事件 {event.incident_id}，请{INCIDENT_ROLES[role]}立即组织处理。"
        )
        en = (
            f"[Group incident] {len(event.complaint_ids)} complaints about the same fault ({event.category}) at "
            f"{event.estate_id} / {event.place}: incident {event.incident_id}; {role.replace('_', ' ')} please act now."
        )
        messages.append(Message(role, "console", "group_incident_escalation", zh, en))
    return messages


def incident_broadcast_message(event: GroupIncidentResolved) -> Message:
    """The one answer, sent to every owner linked to the incident."""
    zh = f"您反映的问题属于多位业主共同反映的同一事项，现统一答复如下：{event.answer_zh}。感谢您的理解与支持。"
    en = "Your item was one of several reports of the same problem. Our answer: " + (
        event.answer_en or "(see the Chinese message)"
    )
    return Message("owner", "sms", "group_incident_answer", zh, en)
