"""Payload models of every event type at its current version. Frozen, ``extra="forbid"`` (strict writer).

Older versions live in ``history.py``; ``registry.py`` says which version is current and holds the
upcasters. Changing a model here without bumping its version fails the schema snapshot test.

Personal data: events never carry an owner's full name or phone number; at most the masked forms.
Anonymous complaints carry no identity at all.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Urgency = Literal["urgent", "general", "suggestion"]
Category = Literal[
    "engineering",
    "cleaning_greening",
    "security_order",
    "customer_service",
    "fees_finance",
    "community_culture",
    "other",
]
Scope = Literal["unit", "building", "estate", "group"]
Channel = Literal[
    "front_desk",
    "phone",
    "letter",
    "fax",
    "email",
    "suggestion_box",
    "app",
    "wechat",
    "owner_group",
    "owner_meeting",
    "survey",
    "visit",
    "anonymous",
    "open311",
]


class _Payload(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Location(_Payload):
    building: str | None = None
    unit: str | None = None
    room: str | None = None
    area: str | None = Field(None, description="Free-text place, e.g. 地下车库B区")


class ComplaintReceived(_Payload):
    complaint_id: str
    reference_no: str
    estate_id: str
    channel: Channel
    content: str
    matter: str | None = None
    location: Location = Location()
    urgency_reported: Urgency | None = None
    anonymous: bool = False
    owner_name_masked: str | None = None
    owner_phone_masked: str | None = None
    recorder_id: str | None = None
    raised_at: datetime
    received_at: datetime
    # added in v2: items answered and closed at intake (当场答复), evidence ids, read-back state
    resolved_at_intake: bool = False
    intake_answer: str | None = None
    evidence_ids: tuple[str, ...] = ()
    readback_confirmed: bool | None = None
    # added in v3: the staff the complaint is about (被投诉人), person ids of the organisation: every
    # service hides the item from them and dispatch never routes it to them (pm_common.subjects)
    subject_staff_ids: tuple[str, ...] = ()


class Evidence(_Payload):
    feature: str
    value: str
    weight: float = 0.0


class Deadlines(_Payload):
    acknowledge_by: datetime | None = None
    dispatch_by: datetime
    onsite_by: datetime | None = None
    resolve_by: datetime
    warnings: tuple[str, ...] = ()


class TriageReview(_Payload):
    """A supervisor's review of a triage decision: who, when, why, and what was changed."""

    reviewed_by: str
    reviewed_at: datetime
    action: Literal["confirm", "override", "reject"]
    note: str | None = None
    previous_decision: Literal["accepted", "rejected", "needs_review"]
    changed: tuple[str, ...] = Field(
        (), description="fields the supervisor changed: category, urgency, scope, decision"
    )
    original_category: Category | None = None
    original_urgency: Urgency | None = None
    original_scope: Scope | None = None


class TriageProposal(_Payload):
    """v3: what the classifier proposed beside urgency: the complaint grade (DOMAIN §9) with its
    evidence and its two clocks (reply, handled), and the version of the model that decided."""

    model_version: str | None = None
    grade: Literal["major", "important", "minor"]
    grade_evidence: tuple[str, ...] = ()
    reply_by: datetime | None = None
    handled_by: datetime | None = None


class ComplaintTriaged(_Payload):
    complaint_id: str
    estate_id: str
    decision: Literal["accepted", "rejected", "needs_review"]
    category: Category
    urgency: Urgency
    scope: Scope
    confidence: float = Field(ge=0, le=1)
    evidence: tuple[Evidence, ...] = ()
    rejection_reason: str | None = None
    emotional: bool = False
    deadlines: Deadlines
    triaged_at: datetime
    # added in v2: responsibility, review, duplicate and group-incident links
    referral: str | None = Field(None, description="outside_duties: which authority or company to contact")
    review_reasons: tuple[str, ...] = Field((), description="why a supervisor must decide (needs_review)")
    duplicate_of: str | None = Field(None, description="near-identical open item of the same household")
    related_to: str | None = Field(None, description="first report of the same fault by another household")
    fault_key: str | None = Field(None, description="estate|place|nature counted for group incidents")
    incident_id: str | None = Field(None, description="the group incident (群诉) this complaint belongs to")
    review: TriageReview | None = Field(None, description="set when a supervisor made this decision")
    received_at: datetime | None = Field(None, description="when intake received it (windows of group incidents)")
    # v3 (optional): grade 重大/重要/轻微 with evidence and clocks, model version
    proposal: TriageProposal | None = Field(None, description="the classifier's grade proposal and model version")
    revision: int = Field(
        1,
        ge=1,
        le=1000,
        description="v3: 1 for the first triage, +1 for every later decision on the complaint (a supervisor's "
        "review); consumers keep the highest revision whatever order the events arrive in",
    )


class TaskAssignee(_Payload):
    """v2 of ``task.assigned``: who the task went to (never a contact value)."""

    kind: Literal["person", "team", "contractor", "control_room"]
    department: str
    team_id: str | None = None
    person_id: str | None = None
    contractor_id: str | None = None
    name: str | None = None
    reason: str = ""


class TaskDeadlines(_Payload):
    dispatch_by: datetime | None = None
    onsite_by: datetime | None = None
    resolve_by: datetime | None = None
    plan_by: datetime | None = None
    reply_by: datetime | None = None


class TaskAssigned(_Payload):
    task_id: str
    complaint_id: str
    estate_id: str
    department: str
    handler_id: str | None = None
    category: Category
    urgency: Urgency
    due_at: datetime
    assigned_at: datetime
    # added in v2: sent on creation and on every (re)assignment
    assignee: TaskAssignee | None = None
    parent_task_id: str | None = None
    grade: str | None = None
    deadlines: TaskDeadlines = TaskDeadlines()
    reassigned: bool = False
    reason: str | None = None
    actor_id: str | None = None
    at: datetime | None = None


class TaskCompleted(_Payload):
    task_id: str
    complaint_id: str
    estate_id: str
    result_summary: str
    completed_at: datetime


CancelReason = Literal["withdrawn", "duplicate", "invalid", "merged_into_incident", "supervisor_other"]


class TaskCancelled(_Payload):
    """A task stopped without a result (v2: why, in ``cancel_reason``). Timers stop on it, whatever the reason.

    v1 had only ``reason: "withdrawn"``; it stays, always ``"withdrawn"`` (the task was taken out of
    work), so v1 readers keep reading v2 events. Read ``cancel_reason``."""

    task_id: str
    complaint_id: str
    estate_id: str
    reason: Literal["withdrawn"] = Field(description="v1 field, always withdrawn: read cancel_reason")
    note: str | None = None
    cancelled_at: datetime
    cancel_reason: CancelReason = Field(
        "withdrawn",
        description="withdrawn (the owner withdrew the item), duplicate, invalid, merged_into_incident, "
        "supervisor_other (a supervisor's cancel; the note says why)",
    )
    actor_id: str | None = Field(None, description="who cancelled: owner / staff, a staff id, or pm/dispatch")


class FeedbackSent(_Payload):
    notification_id: str
    complaint_id: str = Field(description="the complaint; for a group incident's message its first complaint")
    estate_id: str
    recipient_role: Literal["owner", "handler", "supervisor", "project_manager", "company"]
    channel: Literal["sms", "wechat", "app", "console", "email"]
    template: str
    message_zh: str
    message_en: str
    sent_at: datetime
    # added in v2
    incident_id: str | None = Field(None, description="set when the message is about a group incident (群诉)")


class SurveyAnswered(_Payload):
    complaint_id: str
    estate_id: str
    score: int = Field(ge=1, le=5)
    satisfied: bool
    comment: str | None = None
    answered_at: datetime


class ComplaintWithdrawn(_Payload):
    """The owner withdrew an open item (intake); downstream stops working on it."""

    complaint_id: str
    reference_no: str
    estate_id: str
    reason: str | None = Field(None, max_length=500)
    withdrawn_by: Literal["owner", "staff"] = "owner"
    withdrawn_at: datetime


class ComplaintSupplemented(_Payload):
    """The owner added information or evidence to an open item (intake)."""

    complaint_id: str
    reference_no: str
    estate_id: str
    text: str | None = None
    evidence_ids: tuple[str, ...] = ()
    supplemented_at: datetime


class GroupIncidentDeclared(_Payload):
    """Triage declared a group incident (群诉): N complaints on one fault in one window. Keyed by incident id."""

    incident_id: str
    estate_id: str
    fault_key: str
    place: str
    category: Category
    window_start: datetime
    window_end: datetime
    threshold: int = Field(ge=2)
    complaint_ids: tuple[str, ...]
    escalate_to: tuple[Literal["project_manager", "company"], ...] = ("project_manager", "company")
    declared_at: datetime


class GroupIncidentResolved(_Payload):
    """A supervisor resolved a group incident with one answer for every linked complaint."""

    incident_id: str
    estate_id: str
    complaint_ids: tuple[str, ...]
    answer_zh: str
    answer_en: str | None = None
    resolved_by: str
    resolved_at: datetime
