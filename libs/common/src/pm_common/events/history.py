"""Payload models of superseded versions, frozen as they were published. Never edit them.

They are what the JSON Schema snapshots ``docs/schemas/<type>/v<N>.json`` of older versions are
checked against, and they document what a consumer of the log may still read (the facts topics keep
events forever). Reading code never builds them: older payloads are upcast to the current model.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from pm_common.events.payloads import (
    Category,
    Channel,
    Deadlines,
    Evidence,
    Location,
    Scope,
    TriageReview,
    Urgency,
    _Payload,
)


class ComplaintReceivedV1(_Payload):
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


class ComplaintReceivedV2(_Payload):
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


class ComplaintTriagedV1(_Payload):
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


class FeedbackSentV1(_Payload):
    notification_id: str
    complaint_id: str
    estate_id: str
    recipient_role: Literal["owner", "handler", "supervisor", "project_manager", "company"]
    channel: Literal["sms", "wechat", "app", "console", "email"]
    template: str
    message_zh: str
    message_en: str
    sent_at: datetime


class ComplaintTriagedV2(_Payload):
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


class TaskAssignedV1(_Payload):
    task_id: str
    complaint_id: str
    estate_id: str
    department: str
    handler_id: str | None = None
    category: Category
    urgency: Urgency
    due_at: datetime
    assigned_at: datetime


class TaskOverdueV1(_Payload):
    task_id: str
    complaint_id: str
    estate_id: str
    due_at: datetime
    overdue_at: datetime
    escalation_level: int = Field(ge=1, le=4, description="1 reminder, 2 supervisor, 3 project manager, 4 company")
    escalate_to: Literal["handler", "supervisor", "project_manager", "company"]


class TaskCancelledV1(_Payload):
    """A task stopped without a result: the owner withdrew the item. Timers stop on it."""

    task_id: str
    complaint_id: str
    estate_id: str
    reason: Literal["withdrawn"]
    note: str | None = None
    cancelled_at: datetime
