"""The denormalised view of one complaint, folded from the lifecycle events in any order.

Every field group has a guard: the event time (and event id, to break ties) of the fact that set it.
A fact older than the guard leaves the group as it is, so an out-of-order or redelivered event never
moves a figure back; sets (reopenings, hand-offs, overdue stages) are keyed by event id or stage, so a
duplicate adds nothing. ``apply`` is pure: the same events in any order give the same view.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict

# the stages whose completion the topics show (so their compliance has a denominator)
TRACKED_STAGES = ("dispatch", "onsite", "resolve", "return_visit")
# lifecycle facts that set the complaint's state (the latest one by event time wins)
STATES = {
    "task.resolved": "resolved",
    "task.completed": "resolved",
    "task.closed": "closed",
    "task.reopened": "reopened",
    "task.cancelled": "cancelled",
    "complaint.withdrawn": "withdrawn",
}
MAX_SEEN = 400  # event ids remembered per complaint (a complaint has a few dozen events)


class ComplaintView(BaseModel):
    model_config = ConfigDict(frozen=True)

    complaint_id: str
    estate_id: str | None = None
    received_at: datetime | None = None
    channel: str | None = None
    household: str | None = None
    building: str | None = None
    resolved_at_intake: bool = False
    category: str | None = None
    urgency: str | None = None
    grade: str | None = None
    fault_place: str | None = None
    triage_guard: str = ""
    task_id: str | None = None
    sub_tasks: tuple[str, ...] = ()
    handler: str | None = None
    department: str | None = None
    assign_guard: str = ""
    first_assigned_at: datetime | None = None
    handoffs: tuple[str, ...] = ()
    on_site_at: datetime | None = None
    resolved_at: datetime | None = None
    reopens: tuple[str, ...] = ()
    state: str = "open"
    state_guard: str = ""
    close_outcome: str | None = None
    overdue: tuple[str, ...] = ()
    survey_score: int | None = None
    satisfied: bool | None = None
    survey_guard: str = ""
    visit_outcome: str | None = None
    visit_guard: str = ""
    seen: tuple[str, ...] = ()

    @property
    def resolved(self) -> bool:
        return self.resolved_at is not None or self.resolved_at_intake

    @property
    def reached(self) -> tuple[str, ...]:
        done = {
            "dispatch": self.first_assigned_at is not None,
            "onsite": self.on_site_at is not None,
            "resolve": self.resolved_at is not None,
            "return_visit": self.visit_outcome is not None,
        }
        return tuple(s for s in TRACKED_STAGES if done[s])

    @property
    def first_contact_resolved(self) -> bool:
        """Answered at intake, or resolved by the first assignee: no hand-off, never reopened."""
        if self.resolved_at_intake:
            return True
        return self.resolved_at is not None and not self.handoffs and not self.reopens


def guard(at: datetime, event_id: str) -> str:
    """Sortable stamp of a fact: UTC time, then the event id (ties broken the same way everywhere)."""
    return f"{at.astimezone(UTC).strftime('%Y-%m-%dT%H:%M:%S.%f')}|{event_id}"


def household_of(location: dict[str, Any]) -> str | None:
    """The household (户): building, unit and room of the complaint's place; None without a room."""
    building, unit, room = (str(location.get(k) or "").strip() for k in ("building", "unit", "room"))
    if not building or not room:
        return None
    return f"{building}|{unit}|{room}"


def _earliest(current: datetime | None, at: datetime) -> datetime:
    return at if current is None or at < current else current


def _add(items: tuple[str, ...], item: str) -> tuple[str, ...]:
    return items if item in items else tuple(sorted((*items, item)))


def apply(view: ComplaintView, event_type: str, data: dict[str, Any], event_id: str, at: datetime) -> ComplaintView:
    """The view after one fact (``data`` is the parsed payload as a dict, ``at`` the fact's time)."""
    if event_id in view.seen:
        return view
    changes: dict[str, Any] = {"seen": (*view.seen, event_id)[-MAX_SEEN:]}
    stamp = guard(at, event_id)
    task_id = data.get("task_id")
    if event_type.startswith("task.") and task_id in view.sub_tasks:
        return view.model_copy(update=changes)  # a sub-task's steps are not the complaint's
    if event_type == "complaint.received":
        location = data.get("location") or {}
        changes |= {
            "estate_id": data["estate_id"],
            "received_at": data["received_at"],
            "channel": data["channel"],
            "household": household_of(location),
            "building": (location.get("building") or None),
            "resolved_at_intake": bool(data.get("resolved_at_intake")),
        }
    elif event_type == "complaint.triaged":
        rank = f"{int(data.get('revision', 1)):06d}|{stamp}"
        if rank > view.triage_guard:
            proposal = data.get("proposal") or {}
            fault = data.get("fault_key") or ""
            changes |= {
                "triage_guard": rank,
                "category": data["category"],
                "urgency": data["urgency"],
                "grade": proposal.get("grade"),
                "fault_place": fault.split("|")[1] if fault.count("|") >= 2 else None,
            }
        changes.setdefault("estate_id", view.estate_id or data["estate_id"])
    elif event_type == "task.assigned":
        changes |= _assigned(view, data, event_id, stamp, at)
    elif event_type == "task.returned":
        changes["handoffs"] = _add(view.handoffs, event_id)
    elif event_type == "task.on_site":
        changes["on_site_at"] = _earliest(view.on_site_at, data.get("checked_in_at") or at)
    elif event_type == "task.overdue":
        if data.get("stage"):
            changes["overdue"] = _add(view.overdue, str(data["stage"]))
    elif event_type == "survey.answered":
        if stamp > view.survey_guard:
            changes |= {"survey_guard": stamp, "survey_score": data["score"], "satisfied": data["satisfied"]}
    elif event_type == "return_visit.recorded":
        if stamp > view.visit_guard:
            changes |= {"visit_guard": stamp, "visit_outcome": data["outcome"]}
    if event_type in ("task.resolved", "task.completed"):
        changes["resolved_at"] = _earliest(view.resolved_at, at)
    if event_type == "task.reopened":
        changes["reopens"] = _add(view.reopens, event_id)
    if event_type in STATES and stamp > view.state_guard:
        changes |= {"state": STATES[event_type], "state_guard": stamp}
        if event_type == "task.closed":
            changes["close_outcome"] = data.get("outcome")
    return view.model_copy(update=changes)


def _assigned(view: ComplaintView, data: dict[str, Any], event_id: str, stamp: str, at: datetime) -> dict[str, Any]:
    if data.get("parent_task_id"):
        return {"sub_tasks": _add(view.sub_tasks, data["task_id"])}
    changes: dict[str, Any] = {
        "task_id": view.task_id or data["task_id"],
        "first_assigned_at": _earliest(view.first_assigned_at, data.get("assigned_at") or at),
    }
    if data.get("reassigned"):
        changes["handoffs"] = _add(view.handoffs, event_id)
    if stamp > view.assign_guard:
        assignee = data.get("assignee") or {}
        who = assignee.get("person_id") or data.get("handler_id") or assignee.get("team_id")
        who = who or assignee.get("contractor_id") or f"dept:{data['department']}"
        changes |= {"assign_guard": stamp, "handler": who, "department": data["department"]}
    if data.get("category") and view.category is None:
        changes["category"] = data["category"]  # until triage's own event is here
    return changes


def fact_time(event_type: str, data: dict[str, Any], envelope_time: datetime) -> datetime:
    """When the fact happened: the payload's own time where it has one, else the envelope's."""
    for name in ("at", "answered_at", "assigned_at", "triaged_at", "received_at", "cancelled_at", "withdrawn_at",
                 "completed_at", "overdue_at"):  # fmt: skip
        value = data.get(name)
        if isinstance(value, datetime):
            return value
        if isinstance(value, str):
            return datetime.fromisoformat(value)
    return envelope_time
