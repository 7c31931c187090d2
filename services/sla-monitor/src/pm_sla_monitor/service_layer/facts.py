"""From an event on the bus to the lifecycle facts of the items it touches (complaint, task).

Reads the payload as the PLAN.md contract gives it (``task.assigned`` v2's ``assignee``, ``grade`` and
``deadlines``, ``complaint.triaged``'s proposal, intake's ``next_contact_by`` when it carries one),
tolerating older versions that lack them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pm_common import topics
from pm_common.events import Envelope
from pm_sla_monitor.domain.lifecycle import Fact

TIMES = (
    "at",
    "next_contact_by",
    "received_at",
    "dispatch_by",
    "reply_by",
    "assigned_at",
    "onsite_by",
    "resolve_by",
    "due_at",
    "plan_by",
    "new_resolve_by",
)
KEEP = (
    "complaint_id",
    "estate_id",
    "task_id",
    "resolved_at_intake",
    "urgency_reported",
    "decision",
    "urgency",
    "category",
    "revision",
    "incident_id",
    "department",
    "recipient_role",
    "grade",
    "reassigned",
    *TIMES,
)
WHEN = {  # the payload field that says when it happened, by event type (v1 events have no ``at``)
    topics.COMPLAINT_RECEIVED: "received_at",
    topics.COMPLAINT_TRIAGED: "triaged_at",
    topics.COMPLAINT_WITHDRAWN: "withdrawn_at",
    topics.TASK_ASSIGNED: "assigned_at",
    topics.TASK_COMPLETED: "completed_at",
    topics.TASK_CANCELLED: "cancelled_at",
    topics.TASK_ON_SITE: "checked_in_at",
    topics.FEEDBACK_SENT: "sent_at",
}
COMPLAINT_ONLY = {topics.COMPLAINT_RECEIVED, topics.COMPLAINT_TRIAGED, topics.COMPLAINT_WITHDRAWN, topics.FEEDBACK_SENT}
BOTH = {
    topics.TASK_ASSIGNED,
    topics.TASK_ON_SITE,
    topics.TASK_APPOINTMENT_SET,
    topics.TASK_PROGRESS_NOTED,
    topics.TASK_RESOLVED,
    topics.TASK_COMPLETED,
    topics.TASK_CANCELLED,
    topics.TASK_CLOSED,
}
TASK_ONLY = {
    topics.TASK_PAUSED,
    topics.TASK_RESUMED,
    topics.TASK_EXTENSION_APPROVED,
    topics.TASK_PLAN_SUBMITTED,
    topics.TASK_REOPENED,
}
CONSUMED = sorted(COMPLAINT_ONLY | BOTH | TASK_ONLY)


def _time(value: Any) -> Any:
    return datetime.fromisoformat(value) if isinstance(value, str) else value


def flatten(data: dict[str, Any]) -> dict[str, Any]:
    """The fields the clocks need, with v2's nested ones lifted up."""
    flat = dict(data)
    assignee = data.get("assignee") or {}
    if isinstance(assignee, dict):
        flat["person_id"] = assignee.get("person_id") or data.get("handler_id")
        flat["department"] = assignee.get("department") or data.get("department")
    else:
        flat["person_id"] = data.get("handler_id")
    for nested in ("deadlines", "proposal"):
        inner = data.get(nested)
        if isinstance(inner, dict):
            flat.update({k: v for k, v in inner.items() if k not in flat or flat[k] is None})
    out = {k: flat[k] for k in (*KEEP, "person_id") if flat.get(k) is not None}
    return {k: _time(v) if k in TIMES else v for k, v in out.items()}


def facts_of(envelope: Envelope) -> list[tuple[str, str, Fact]]:
    """``(item kind, item id, fact)`` for every item the event touches; ``[]`` when none."""
    kind = envelope.type
    data = envelope.data
    if kind == topics.FEEDBACK_SENT and data.get("recipient_role") != "owner":
        return []
    d = flatten(data)
    at = _time(data.get("at") or data.get(WHEN.get(kind, "at")) or envelope.time)
    fact: Fact = {"id": envelope.id, "type": kind, "at": at, "corr": envelope.correlationid, "d": d}
    out: list[tuple[str, str, Fact]] = []
    if kind in COMPLAINT_ONLY or kind in BOTH:
        out.append(("complaint", data["complaint_id"], fact))
    if kind in BOTH or kind in TASK_ONLY:
        out.append(("task", data["task_id"], fact))
    return out
