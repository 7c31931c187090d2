"""Message templates, Simplified Chinese first with English; overridable per estate; times shown in
the estate's local time (``{name:time}`` placeholders take an ISO datetime)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

TEMPLATES: dict[str, tuple[str, str]] = {
    "acknowledgement": (
        "【{estate}】您反映的事项已登记，编号 {reference_no}。我们将于 {next_contact_by:time} 前与您联系。",
        "[{estate}] Your item is registered as {reference_no}. We will contact you by {next_contact_by:time}.",
    ),
    "non_acceptance": (
        "【{estate}】您反映的事项暂不予受理：{reason}。{referral}如有疑问请联系客服中心。",
        "[{estate}] Your item could not be accepted: {reason_en}. {referral_en}Please contact the service centre.",
    ),
    "assignment": (
        "【新工单】{estate} 工单 {task_id}（{category}，{urgency}）已派给您，请在 {due_at:time} 前处理。",
        "[New task] {estate} task {task_id} ({category}, {urgency}) is yours; handle it by {due_at:time}.",
    ),
    "appointment": (
        "【{estate}】维修人员将于 {visit_at:time} 上门处理您反映的事项，如需改约请联系客服中心。",
        "[{estate}] Our staff will visit at {visit_at:time}. Contact the service centre to change it.",
    ),
    "progress": (
        "【{estate}】您反映的事项处理进展：{note}",
        "[{estate}] Progress on your item: {note_en}",
    ),
    "extension": (
        "【{estate}】您反映的事项需延期处理，原因：{reason}。预计 {new_resolve_by:time} 前完成，给您带来不便敬请谅解。",
        "[{estate}] Your item needs more time ({reason}); expected by {new_resolve_by:time}. Sorry for the delay.",
    ),
    "progress_cadence": (
        "【{estate}】您反映的事项已受理 {days_open} 天，仍在处理中，我们会持续跟进并及时告知进展。",
        "[{estate}] Your item has been open for {days_open} day(s); we are still on it and will keep you posted.",
    ),
    "paused": (
        "【{estate}】您反映的事项暂停处理，原因：{reason}。{note}恢复处理后我们会及时通知您。",
        "[{estate}] Work on your item is paused ({reason_en}). {note_en}We will tell you when it resumes.",
    ),
    "result": (
        "【{estate}】您反映的事项已处理完毕：{result_summary}。稍后我们将进行回访。",
        "[{estate}] Your item has been handled: {result_summary}. We will follow up shortly.",
    ),
    "survey_invitation": (
        "【{estate}】请对本次服务评价（1–5 分）：{survey_link} ，或直接回复本短信数字 1–5。",
        "[{estate}] Please rate our service (1–5): {survey_link} , or reply to this SMS with 1–5.",
    ),
    "sla_warning": (
        "【时限预警】工单 {task_id} 的“{stage}”环节将于 {deadline:time} 到期（已用 {percent}%），请尽快处理。",
        "[Deadline warning] Task {task_id}: stage {stage} is due at {deadline:time} ({percent}% used).",
    ),
    "escalation": (
        "【超时{level_zh}】工单 {task_id} 的“{stage}”环节已超过时限（截止 {deadline:time}），请立即跟进。",
        "[Overdue, level {level}] Task {task_id}: stage {stage} passed its deadline ({deadline:time}); act now.",
    ),
    "urgent_page": (
        "【紧急】{estate} {place}：{summary}。请立即处理并确认：{ack_link}",
        "[URGENT] {estate} {place}: {summary}. Act now and acknowledge: {ack_link}",
    ),
    "incident_escalation": (
        "【群诉升级】{estate} {place} 收到 {count} 起同类反映，已认定为群体性事件 {incident_id}，请立即组织处理。",
        "[Group incident] {count} reports of one fault at {estate} / {place}: incident {incident_id}; act now.",
    ),
    "incident_broadcast": (
        "【{estate}】您反映的问题属于多位业主共同反映的同一事项，现统一答复如下：{answer}。感谢您的理解与支持。",
        "[{estate}] Your item was one of several reports of the same problem. Our answer: {answer_en}",
    ),
    "return_visit_task": (
        "【回访任务】投诉 {reference} 已处理，请于 {due_at:time} 前完成回访并记录结果。",
        "[Return visit] Complaint {reference} was handled; visit or call by {due_at:time} and record the outcome.",
    ),
    "supervisor_visit": (
        "【不满意升级】{estate} 投诉 {reference} 业主回访不满意（{reason}），已重新处理；"
        "请主管于 {due_at:time} 前上门回访。",
        "[Dissatisfied owner] {estate} complaint {reference} was reopened ({reason}); a supervisor visits the owner"
        " in person by {due_at:time}.",
    ),
}
URGENT_TEMPLATES = frozenset({"urgent_page", "escalation", "incident_escalation"})
_FIELD = re.compile(r"\{(\w+)(?::(time))?\}")


@dataclass(frozen=True)
class Rendered:
    template: str
    zh: str
    en: str


def local_time(value: str, tz: str) -> str:
    """An ISO instant as the estate's wall-clock time, e.g. ``11月22日 16:30``."""
    try:
        instant = datetime.fromisoformat(value)
    except ValueError:
        return value
    local = instant.astimezone(ZoneInfo(tz))
    return f"{local.month}月{local.day}日 {local:%H:%M}"


def local_time_en(value: str, tz: str) -> str:
    try:
        instant = datetime.fromisoformat(value)
    except ValueError:
        return value
    return f"{instant.astimezone(ZoneInfo(tz)):%Y-%m-%d %H:%M} ({tz})"


def _fill(text: str, params: dict[str, str], tz: str, english: bool) -> str:
    def one(match: re.Match[str]) -> str:
        name, kind = match.group(1), match.group(2)
        value = params.get(name)
        if value is None and english:
            value = params.get(name.removesuffix("_en"), "")
        value = value or ""
        if kind == "time":
            return local_time_en(value, tz) if english else local_time(value, tz)
        return value

    return _FIELD.sub(one, text)


def render(
    template: str, params: dict[str, str], tz: str = "Asia/Shanghai", overrides: dict[str, dict[str, str]] | None = None
) -> Rendered:
    """The message in both languages; an estate's override replaces either text of a template."""
    zh, en = TEMPLATES[template]
    custom = (overrides or {}).get(template, {})
    zh, en = custom.get("zh", zh), custom.get("en", en)
    return Rendered(template, _fill(zh, params, tz, False).strip(), _fill(en, params, tz, True).strip())


def placeholders(template: str) -> set[str]:
    zh, en = TEMPLATES[template]
    return {m.group(1) for m in _FIELD.finditer(zh + en)}


def check_override(template: str, zh: str | None, en: str | None) -> list[str]:
    """Placeholders an override uses that the template does not supply (an override may drop some)."""
    known = placeholders(template) | {p + "_en" for p in placeholders(template)}
    used = {m.group(1) for m in _FIELD.finditer((zh or "") + (en or ""))}
    return sorted(used - known)
