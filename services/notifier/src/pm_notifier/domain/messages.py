"""What people read: message templates, Simplified Chinese first with English alongside."""

from __future__ import annotations

from dataclasses import dataclass

from pm_common.events import ComplaintTriaged, TaskCompleted, TaskOverdue

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
    zh = f"您反映的事项暂不予受理：{REJECTION_ZH.get(reason, reason)}。如有疑问请联系客服中心。"
    en = (
        f"Your item could not be accepted ({reason.replace('_', ' ')}). "
        "Please contact the service centre with questions."
    )
    return Message("owner", "sms", "complaint_rejected", zh, en)


def result_message(event: TaskCompleted) -> Message:
    zh = f"您反映的事项已处理完毕：{event.result_summary}。稍后我们将进行回访，请对本次服务进行评价。"
    en = f"Your item has been handled: {event.result_summary}. We will follow up with a short satisfaction survey."
    return Message("owner", "sms", "task_completed", zh, en)
