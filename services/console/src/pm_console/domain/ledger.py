"""How the ledger (台账) shows items: status labels and colours, filter values (pure)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

STATUSES: dict[str, tuple[str, str, str]] = {  # status -> (中文, English, colour class)
    "draft": ("待复述确认", "Draft", "grey"),
    "received": ("待处理", "Pending", "blue"),
    "triaged": ("已分类", "Triaged", "blue"),
    "rejected": ("不予受理", "Rejected", "red"),
    "in_progress": ("处理中", "In progress", "orange"),
    "done": ("已办结", "Done", "green"),
    "closed": ("已反馈关闭", "Closed", "teal"),
    "withdrawn": ("已撤回", "Withdrawn", "grey"),
}
CATEGORIES: dict[str, tuple[str, str]] = {
    "engineering": ("工程维修", "Engineering"),
    "cleaning_greening": ("清洁绿化", "Cleaning & greening"),
    "security_order": ("安保秩序", "Security & order"),
    "customer_service": ("客户服务", "Customer service"),
    "fees_finance": ("收费财务", "Fees & finance"),
    "community_culture": ("社区文化", "Community culture"),
    "other": ("其他", "Other"),
}
URGENCIES: dict[str, tuple[str, str]] = {
    "urgent": ("紧急", "Urgent"),
    "general": ("一般", "General"),
    "suggestion": ("建议", "Suggestion"),
}
GRADES: dict[str, tuple[str, str]] = {
    "major": ("重大", "Major"),
    "important": ("重要", "Important"),
    "minor": ("轻微", "Minor"),
}
INCIDENT_STATUSES: dict[str, tuple[str, str]] = {  # triage's group-incident status
    "open": ("待确认", "Open"),
    "confirmed": ("已确认", "Confirmed"),
    "resolved": ("已统一答复", "Resolved"),
    "dismissed": ("已撤销（非同一故障）", "Dismissed"),
}
INCIDENT_COLOURS = {"open": "red", "confirmed": "orange", "resolved": "green", "dismissed": "grey"}
PLAN_STATUSES: dict[str, tuple[str, str]] = {
    "submitted": ("待审批", "Awaiting approval"),
    "approved": ("已批准", "Approved"),
}
DECISIONS: dict[str, tuple[str, str]] = {
    "accepted": ("受理", "Accepted"),
    "rejected": ("不予受理", "Rejected"),
    "needs_review": ("待主管复核", "Needs a supervisor's review"),
    "closed_at_intake": ("当场办结", "Closed at intake"),
}
NON_ACCEPTANCE: dict[str, tuple[str, str]] = {
    "outside_duties": ("不属物业职责", "Outside our duties"),
    "no_facts": ("缺乏具体事实", "No facts"),
    "in_litigation": ("已进入诉讼", "In litigation"),
    "repeat": ("重复投诉", "Repeat"),
    "false_or_malicious": ("经核实不实或恶意", "False or malicious"),
}
REVIEW_REASONS: dict[str, tuple[str, str]] = {
    "low_confidence": ("分类置信度低", "Low confidence"),
    "urgent_uncertain": ("疑似紧急，已按紧急派单", "Possibly urgent: dispatched as urgent"),
    "non_acceptance_proposal": ("拟不予受理：", "Proposed refusal:"),
}
FILTERS = ("estate_id", "status", "channel", "category", "q", "date_from", "date_to")
EXPORT_MAX_ROWS = 10_000


def status_label(status: str, lang: str) -> str:
    zh, en, _ = STATUSES.get(status, (status, status, "grey"))
    return en if lang == "en" else zh


def status_colour(status: str) -> str:
    return STATUSES.get(status, ("", "", "grey"))[2]


def label(table: dict[str, tuple[str, str]], key: str | None, lang: str) -> str:
    if not key:
        return ""
    zh, en = table.get(key, (key, key))
    return en if lang == "en" else zh


def clean_filters(raw: dict[str, str]) -> dict[str, str]:
    """The ledger filters the console passes on: known names, non-empty values."""
    return {k: v.strip() for k, v in raw.items() if k in FILTERS and v and v.strip()}


def day_bound(day: str, timezone: str, *, end: bool) -> str | None:
    """A date picked in the UI (the estate's local day) as the ISO instant intake filters on:
    the day's start for ``date_from``; the next day's start for ``date_to`` (exclusive), so the
    picked end day is included. None for a value that is not a date."""
    try:
        start = datetime.combine(date.fromisoformat(day), time(0, 0), ZoneInfo(timezone))
    except ValueError:
        return None
    return (start + timedelta(days=1) if end else start).isoformat()


def intake_query(filters: dict[str, str], timezone: str) -> dict[str, str]:
    """The ledger filters as intake's query parameters (dates turned into instants)."""
    query = {k: v for k, v in filters.items() if k not in ("date_from", "date_to")}
    for name, end in (("date_from", False), ("date_to", True)):
        if name in filters:
            bound = day_bound(filters[name], timezone, end=end)
            if bound:
                query[name] = bound
    return query


TIMELINE: dict[str, tuple[str, str]] = {
    "received": ("已登记", "Received"),
    "triaged": ("已分类", "Triaged"),
    "rejected": ("不予受理", "Rejected"),
    "assigned": ("已派单", "Assigned"),
    "note": ("进展说明", "Progress note"),
    "internal_note": ("内部备注", "Internal note"),
    "result": ("处理结果", "Result"),
    "feedback": ("已反馈", "Feedback sent"),
    "supplement": ("业主补充", "Owner added information"),
    "withdrawn": ("业主撤回", "Withdrawn"),
    "answered_on_spot": ("当场答复", "Answered on the spot"),
    "readback": ("复述确认", "Read back"),
    "progress": ("处理进展", "Progress"),
    "closed": ("已关闭归档", "Closed"),
    "reopened": ("重新处理", "Reopened"),
}


def spreadsheet_safe(value: object) -> str:
    """A CSV cell that spreadsheet programs will not run as a formula (owner text can start with ``=``)."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
