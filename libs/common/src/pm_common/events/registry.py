"""Which payload model belongs to which event type and version, upcasters, and the reading rules.

Versioning rule (what a consumer accepts):
- One event type is one "major": every version of a type is an *additive* change of the one before
  (new optional fields with defaults only). Anything else — removing, renaming or retyping a field,
  making one required, adding a value to an enumeration — is breaking and gets a new event type.
  The schema snapshot tests check every stored version against the one before.
- A consumer reads every version of a type it knows: an older payload is upcast step by step to the
  current model; a newer one is read as the current model with the fields it does not know ignored
  (tolerant reader). Unknown fields are ignored at every version, nested models included.
- A producer only ever writes the current version, and the models refuse unknown fields (strict writer).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel

from pm_common import topics
from pm_common.events.envelope import Envelope
from pm_common.events.history import (
    ComplaintReceivedV1,
    ComplaintReceivedV2,
    ComplaintTriagedV1,
    ComplaintTriagedV2,
    FeedbackSentV1,
    TaskAssignedV1,
    TaskCancelledV1,
    TaskOverdueV1,
)
from pm_common.events.insights import InsightWarning
from pm_common.events.notify import ReturnVisitRecorded
from pm_common.events.org import OrgChanged
from pm_common.events.payloads import (
    ComplaintReceived,
    ComplaintSupplemented,
    ComplaintTriaged,
    ComplaintWithdrawn,
    FeedbackSent,
    GroupIncidentDeclared,
    GroupIncidentResolved,
    SurveyAnswered,
    TaskAssigned,
    TaskCancelled,
    TaskCompleted,
)
from pm_common.events.sla import TaskOverdue, TaskSlaWarning
from pm_common.events.subjects import ComplaintSubjectsChanged
from pm_common.events.task_lifecycle import (
    TaskAccepted,
    TaskAppointmentSet,
    TaskClosed,
    TaskExtensionApproved,
    TaskExtensionRejected,
    TaskExtensionRequested,
    TaskOnSite,
    TaskPaused,
    TaskPlanApproved,
    TaskPlanSubmitted,
    TaskProgressNoted,
    TaskReopened,
    TaskResolved,
    TaskResumed,
    TaskReturned,
    TaskVerified,
)
from pm_common.events.tolerant import known_fields

log = logging.getLogger(__name__)

# event type -> (current version, payload model). Event type names equal their topic names.
EVENT_TYPES: dict[str, tuple[int, type[BaseModel]]] = {
    topics.COMPLAINT_RECEIVED: (3, ComplaintReceived),
    topics.COMPLAINT_TRIAGED: (3, ComplaintTriaged),
    topics.TASK_ASSIGNED: (2, TaskAssigned),
    topics.TASK_COMPLETED: (1, TaskCompleted),
    topics.TASK_CANCELLED: (2, TaskCancelled),
    topics.TASK_OVERDUE: (2, TaskOverdue),
    topics.FEEDBACK_SENT: (2, FeedbackSent),
    topics.SURVEY_ANSWERED: (1, SurveyAnswered),
    topics.COMPLAINT_WITHDRAWN: (1, ComplaintWithdrawn),
    topics.COMPLAINT_SUPPLEMENTED: (1, ComplaintSupplemented),
    topics.INCIDENT_DECLARED: (1, GroupIncidentDeclared),
    topics.INCIDENT_RESOLVED: (1, GroupIncidentResolved),
    topics.TASK_ACCEPTED: (1, TaskAccepted),
    topics.TASK_RETURNED: (1, TaskReturned),
    topics.TASK_APPOINTMENT_SET: (1, TaskAppointmentSet),
    topics.TASK_ON_SITE: (1, TaskOnSite),
    topics.TASK_PROGRESS_NOTED: (1, TaskProgressNoted),
    topics.TASK_EXTENSION_REQUESTED: (1, TaskExtensionRequested),
    topics.TASK_EXTENSION_APPROVED: (1, TaskExtensionApproved),
    topics.TASK_EXTENSION_REJECTED: (1, TaskExtensionRejected),
    topics.TASK_PAUSED: (1, TaskPaused),
    topics.TASK_RESUMED: (1, TaskResumed),
    topics.TASK_PLAN_SUBMITTED: (1, TaskPlanSubmitted),
    topics.TASK_PLAN_APPROVED: (1, TaskPlanApproved),
    topics.TASK_RESOLVED: (1, TaskResolved),
    topics.TASK_VERIFIED: (1, TaskVerified),
    topics.TASK_CLOSED: (1, TaskClosed),
    topics.TASK_REOPENED: (1, TaskReopened),
    # sla (pm_common.events.sla)
    topics.TASK_SLA_WARNING: (1, TaskSlaWarning),
    topics.RETURN_VISIT_RECORDED: (1, ReturnVisitRecorded),
    topics.ORG_CHANGED: (1, OrgChanged),
    topics.INSIGHT_WARNING: (1, InsightWarning),
    topics.COMPLAINT_SUBJECTS_CHANGED: (1, ComplaintSubjectsChanged),
}

# (event type, version) -> the model of a superseded version (see history.py)
HISTORY: dict[tuple[str, int], type[BaseModel]] = {
    (topics.COMPLAINT_RECEIVED, 1): ComplaintReceivedV1,
    (topics.COMPLAINT_RECEIVED, 2): ComplaintReceivedV2,
    (topics.COMPLAINT_TRIAGED, 1): ComplaintTriagedV1,
    (topics.COMPLAINT_TRIAGED, 2): ComplaintTriagedV2,
    (topics.FEEDBACK_SENT, 1): FeedbackSentV1,
    (topics.TASK_ASSIGNED, 1): TaskAssignedV1,
    (topics.TASK_OVERDUE, 1): TaskOverdueV1,
    (topics.TASK_CANCELLED, 1): TaskCancelledV1,
}

# event type -> the payload field holding the aggregate id, which is the envelope's ``subject``
AGGREGATES: dict[str, str] = {
    topics.COMPLAINT_RECEIVED: "complaint_id",
    topics.COMPLAINT_TRIAGED: "complaint_id",
    topics.COMPLAINT_WITHDRAWN: "complaint_id",
    topics.COMPLAINT_SUPPLEMENTED: "complaint_id",
    topics.SURVEY_ANSWERED: "complaint_id",
    topics.TASK_ASSIGNED: "task_id",
    topics.TASK_COMPLETED: "task_id",
    topics.TASK_CANCELLED: "task_id",
    topics.TASK_OVERDUE: "task_id",
    topics.FEEDBACK_SENT: "notification_id",
    topics.INCIDENT_DECLARED: "incident_id",
    topics.INCIDENT_RESOLVED: "incident_id",
    topics.TASK_ACCEPTED: "task_id",
    topics.TASK_RETURNED: "task_id",
    topics.TASK_APPOINTMENT_SET: "task_id",
    topics.TASK_ON_SITE: "task_id",
    topics.TASK_PROGRESS_NOTED: "task_id",
    topics.TASK_EXTENSION_REQUESTED: "task_id",
    topics.TASK_EXTENSION_APPROVED: "task_id",
    topics.TASK_EXTENSION_REJECTED: "task_id",
    topics.TASK_PAUSED: "task_id",
    topics.TASK_RESUMED: "task_id",
    topics.TASK_PLAN_SUBMITTED: "task_id",
    topics.TASK_PLAN_APPROVED: "task_id",
    topics.TASK_RESOLVED: "task_id",
    topics.TASK_VERIFIED: "task_id",
    topics.TASK_CLOSED: "task_id",
    topics.TASK_REOPENED: "task_id",
    topics.ORG_CHANGED: "estate_id",
    topics.TASK_SLA_WARNING: "task_id",
    topics.RETURN_VISIT_RECORDED: "complaint_id",
    topics.INSIGHT_WARNING: "warning_id",
    topics.COMPLAINT_SUBJECTS_CHANGED: "complaint_id",
}

Upcaster = Callable[[dict[str, Any]], dict[str, Any]]


def _only_added_optional_fields(data: dict[str, Any]) -> dict[str, Any]:
    """The next version only added optional fields: the defaults fill them in."""
    return dict(data)


def _cancel_reason_of_v1(data: dict[str, Any]) -> dict[str, Any]:
    """task.cancelled v1 knew one reason only: the owner withdrew the item."""
    return {**data, "cancel_reason": "withdrawn"}


# (event type, from version) -> function returning the payload at version + 1
UPCASTERS: dict[tuple[str, int], Upcaster] = {
    # v2: resolved_at_intake, intake_answer, evidence_ids, readback_confirmed
    (topics.COMPLAINT_RECEIVED, 1): _only_added_optional_fields,
    # v2: referral, review_reasons, duplicate_of, related_to, fault_key, incident_id, review, received_at
    (topics.COMPLAINT_TRIAGED, 1): _only_added_optional_fields,
    # v2: incident_id
    (topics.FEEDBACK_SENT, 1): _only_added_optional_fields,
    # v3: proposal (grade, its clocks, model version), revision (order of the decisions on one complaint)
    (topics.COMPLAINT_TRIAGED, 2): _only_added_optional_fields,
    # v2: assignee, parent_task_id, grade, deadlines, reassigned, reason, actor_id, at
    (topics.TASK_ASSIGNED, 1): _only_added_optional_fields,
    # v2: stage, deadline, late_seconds, assignee, named recipients, level, repeat, scheduled_at, caught-up levels
    (topics.TASK_OVERDUE, 1): _only_added_optional_fields,
    # v3: subject_staff_ids (the staff a complaint is about, 被投诉人)
    (topics.COMPLAINT_RECEIVED, 2): _only_added_optional_fields,
    # v2: cancel_reason (every v1 cancel was a withdrawal), actor_id
    (topics.TASK_CANCELLED, 1): _cancel_reason_of_v1,
}


class UnknownEventType(ValueError):
    pass


def type_of(model: type[BaseModel]) -> tuple[str, int]:
    """The event type and version a model is written as: only current models can be written."""
    for name, (version, cls) in EVENT_TYPES.items():
        if cls is model:
            return name, version
    raise UnknownEventType(f"{model.__name__} is not the current payload model of any event type")


def versions(event_type: str) -> dict[int, type[BaseModel]]:
    """Every version of a type, 1 to current, with its model."""
    current, model = EVENT_TYPES[event_type]
    return {v: HISTORY[(event_type, v)] if v < current else model for v in range(1, current + 1)}


def aggregate_id(payload: BaseModel) -> str:
    event_type, _ = type_of(type(payload))
    return str(getattr(payload, AGGREGATES[event_type]))


def complaint_of(payload: BaseModel) -> str | None:
    value = getattr(payload, "complaint_id", None)
    return value if isinstance(value, str) else None


def parse_payload(envelope: Envelope) -> BaseModel:
    """Validate ``envelope.data`` as the current model: older versions upcast, newer ones read tolerantly."""
    if envelope.type not in EVENT_TYPES:
        raise UnknownEventType(f"unknown event type {envelope.type!r}")
    current, model = EVENT_TYPES[envelope.type]
    data = dict(envelope.data)
    version = envelope.schemaversion
    if version > current:
        log.debug("reading %s v%s as v%s (fields added since are ignored)", envelope.type, version, current)
        version = current
    while version < current:
        data = UPCASTERS[(envelope.type, version)](data)
        version += 1
    return model.model_validate(known_fields(model, data))
