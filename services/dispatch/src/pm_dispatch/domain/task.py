"""The task sheet (《业主意见处理任务单》) as an aggregate: what the handler works from, and its trail.

A task is saved as one document (``repo.save(task)``) with the events its last change produced
(``task.pending``), so state and events are one write. Ids: ``T-<complaint>`` for the main task,
``T-<complaint>-<n>`` for sub-tasks, ``T-<incident>`` for a group incident's parent task.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from pm_common.events import Envelope, new_event
from pm_common.redaction import redact
from pm_dispatch.domain.assignment import Assignee, AssigneeKind

SOURCE = "pm/dispatch"
Status = Literal[
    "awaiting_triage",  # complaint.received seen, complaint.triaged not yet (no task for anybody)
    "not_dispatched",  # triage (a supervisor's review) decided not to dispatch
    "assigned",
    "accepted",
    "on_site",
    "in_progress",
    "paused",
    "resolved",
    "verified",
    "closed",
    "cancelled",
]
TaskKind = Literal["main", "sub", "incident"]
CONTACT_KIND: dict[str, str] = {  # which contact the sheet offers (the value comes from the org API)
    "person": "staff_mobile",
    "team": "team_line",
    "contractor": "contractor_line",
    "control_room": "control_room_line",
}
PROCESSED_KEEP = 200


_FREE_TEXT = ("note", "note_zh", "note_en", "reason", "result_summary")


class _Part(BaseModel):
    model_config = ConfigDict(extra="ignore")


class AssigneeRecord(_Part):
    kind: AssigneeKind
    department: str
    team_id: str | None = None
    person_id: str | None = None
    contractor_id: str | None = None
    name: str | None = None
    rule_id: str | None = None
    reason: str = ""
    contact_kind: str = ""

    @classmethod
    def of(cls, a: Assignee) -> AssigneeRecord:
        return cls(
            kind=a.kind,
            department=a.department,
            team_id=a.team_id,
            person_id=a.person_id,
            contractor_id=a.contractor_id,
            name=a.name,
            rule_id=a.rule_id,
            reason=a.reason,
            contact_kind=CONTACT_KIND[a.kind],
        )

    def is_actor(self, actor_id: str) -> bool:
        return actor_id in {x for x in (self.person_id, self.contractor_id) if x}


class Place(_Part):
    building: str | None = None
    unit: str | None = None
    room: str | None = None
    area: str | None = None


class StageDeadlines(_Part):
    dispatch_by: datetime | None = None
    onsite_by: datetime | None = None
    resolve_by: datetime | None = None
    plan_by: datetime | None = None
    reply_by: datetime | None = None


class LogEntry(_Part):
    at: datetime
    by: str
    action: str
    note: str = ""
    evidence_ids: list[str] = Field(default_factory=list)


class Note(_Part):
    at: datetime
    by: str
    visibility: Literal["owner", "internal"]
    kind: Literal["progress", "internal", "staff_statement"]
    text_zh: str
    text_en: str | None = None
    subject_staff_id: str | None = None  # for the statement of the staff member complained about


class PlanStep(_Part):
    description: str
    owner: str
    due: datetime


class Plan(_Part):
    steps: list[PlanStep]
    submitted_by: str
    submitted_at: datetime
    status: Literal["submitted", "approved"] = "submitted"
    approved_by: str | None = None
    approved_at: datetime | None = None

    @property
    def plan_by(self) -> datetime:
        return max(s.due for s in self.steps)


class Extension(_Part):
    n: int
    reason: str
    requested_resolve_by: datetime
    requested_by: str
    requested_at: datetime
    status: Literal["requested", "approved", "rejected"] = "requested"
    decided_by: str | None = None
    decided_at: datetime | None = None
    note: str | None = None


class Pause(_Part):
    reason: str
    note: str | None = None
    since: datetime
    by: str
    resumed_at: datetime | None = None
    resume_to: str = "in_progress"


def pause_record(reason: str, note: str | None, at: datetime, by: str, resume_to: str) -> Pause:
    return Pause(reason=reason, note=note, since=at, by=by, resume_to=resume_to)


class Resolution(_Part):
    handling_mode: str
    result_summary: str
    evidence_ids: list[str] = Field(default_factory=list)
    owner_confirmation_ref: str | None = None
    by: str
    at: datetime
    with_task_id: str | None = None  # resolved with its parent / its sub-tasks


class ContactReveal(_Part):
    """One request of the assignee for the owner's contact (``domain/contact.py``): who, when, on
    which grounds, and whether the contact was given. The contact itself is never stored here."""

    at: datetime
    by: str
    role: str
    purpose: str
    basis: str | None = None  # appointment / on_site_visit: why the task needs it
    outcome: Literal["served", "refused", "unavailable"]
    refusal: str | None = None  # the rule that refused it


class Consultation(_Part):
    """Joint consultation (会商) of departments on a complex item."""

    at: datetime
    by: str
    participants: list[str]
    summary: str
    decision: str


class Task(BaseModel):
    model_config = ConfigDict(extra="ignore", validate_assignment=False)

    id: str
    complaint_id: str
    estate_id: str
    kind: TaskKind = "main"
    status: str = "assigned"  # one of Status
    version: int = 0
    # the sheet
    matter: str | None = None
    content: str | None = None
    location: Place = Place()
    requirements: str | None = None
    category: str = "other"
    urgency: str = "general"
    scope: str | None = None
    grade: str | None = None
    emotional: bool = False
    evidence_ids: list[str] = Field(default_factory=list)
    owner_contact_masked: str | None = None
    anonymous: bool = False
    subject_staff_ids: list[str] = Field(default_factory=list)  # 被投诉人: never see it, never handle it
    subjects_revision: int = 0  # of the subjects above: 0 from complaint.received, then complaint.subjects_changed
    deadlines: StageDeadlines = StageDeadlines()
    due_at: datetime | None = None
    links: dict[str, str] = Field(default_factory=dict)  # duplicate_of, related_to, incident_id
    triage_revision: int = 0
    # who and when
    assignee: AssigneeRecord | None = None
    assigned_at: datetime | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    appointment_at: datetime | None = None
    checked_in_at: datetime | None = None
    plan: Plan | None = None
    extensions: list[Extension] = Field(default_factory=list)
    pauses: list[Pause] = Field(default_factory=list)
    resolution: Resolution | None = None
    verified_by: str | None = None
    verified_at: datetime | None = None
    closed_outcome: str | None = None
    closed_at: datetime | None = None
    cancelled_at: datetime | None = None
    cancel_reason: str | None = None  # withdrawn / duplicate / invalid / merged_into_incident / supervisor_other
    returns: list[dict[str, Any]] = Field(default_factory=list)
    reopen_count: int = 0
    # coordination: sub-tasks of a complaint, children of a group incident
    parent_task_id: str | None = None
    coordinator_id: str | None = None
    subtask_ids: list[str] = Field(default_factory=list)
    child_task_ids: list[str] = Field(default_factory=list)
    incident_id: str | None = None
    consultations: list[Consultation] = Field(default_factory=list)
    contact_reveals: list[ContactReveal] = Field(default_factory=list)
    # the trail
    work_log: list[LogEntry] = Field(default_factory=list)
    notes: list[Note] = Field(default_factory=list)
    processed: list[str] = Field(default_factory=list)  # ids of consumed events (idempotency)
    pending: list[BaseModel] = Field(default_factory=list, exclude=True)  # events of the unsaved change

    # ---- persistence shape -------------------------------------------------------------
    def to_document(self) -> dict[str, Any]:
        doc = self.model_dump(exclude={"id", "pending"})
        doc["_id"] = self.id
        return doc

    @classmethod
    def from_document(cls, doc: dict[str, Any]) -> Task:
        return cls.model_validate({**doc, "id": doc["_id"]})

    # ---- helpers the lifecycle uses ------------------------------------------------------
    @property
    def open_pause(self) -> Pause | None:
        return self.pauses[-1] if self.pauses and self.pauses[-1].resumed_at is None else None

    def log(self, at: datetime, by: str, action: str, note: str = "", evidence: list[str] | None = None) -> None:
        self.work_log.append(LogEntry(at=at, by=by, action=action, note=note, evidence_ids=list(evidence or [])))
        self.updated_at = at

    def emit(self, payload: BaseModel) -> None:
        """Queue an event; its free texts are redacted (phones, ID numbers, names…) before they go on
        a topic — the clear text stays on the sheet (pm_common.events.classification: masked)."""
        texts = {f: redact(v) for f in _FREE_TEXT if isinstance(v := getattr(payload, f, None), str)}
        self.pending.append(payload.model_copy(update=texts) if texts else payload)

    def seen(self, event_id: str) -> bool:
        return event_id in self.processed

    def mark_processed(self, event_id: str) -> None:
        self.processed = [*self.processed, event_id][-PROCESSED_KEEP:]

    def envelopes(self, cause: Envelope | None = None) -> list[tuple[str, Envelope]]:
        """The pending payloads as (topic, envelope) pairs for the outbox (type name = topic name)."""
        out = []
        for payload in self.pending:
            at = getattr(payload, "at", None) or self.updated_at
            event = new_event(payload, source=SOURCE, estate_id=self.estate_id, cause=cause, now=at)
            out.append((event.type, event))
        return out
