"""Which payload model belongs to which event type and version, and the upcasters between versions.

Additive change → bump the version here and register an upcaster from the previous version;
a breaking change → a new event type.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import BaseModel

from pm_common import topics
from pm_common.events.envelope import Envelope
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
    TaskOverdue,
)

# event type -> (current version, payload model). Event type names equal their topic names.
EVENT_TYPES: dict[str, tuple[int, type[BaseModel]]] = {
    topics.COMPLAINT_RECEIVED: (1, ComplaintReceived),
    topics.COMPLAINT_TRIAGED: (3, ComplaintTriaged),
    topics.TASK_ASSIGNED: (1, TaskAssigned),
    topics.TASK_COMPLETED: (1, TaskCompleted),
    topics.TASK_CANCELLED: (1, TaskCancelled),
    topics.TASK_OVERDUE: (1, TaskOverdue),
    topics.FEEDBACK_SENT: (1, FeedbackSent),
    topics.SURVEY_ANSWERED: (1, SurveyAnswered),
    topics.COMPLAINT_WITHDRAWN: (1, ComplaintWithdrawn),
    topics.COMPLAINT_SUPPLEMENTED: (1, ComplaintSupplemented),
    topics.INCIDENT_DECLARED: (1, GroupIncidentDeclared),
    topics.INCIDENT_RESOLVED: (1, GroupIncidentResolved),
}

Upcaster = Callable[[dict[str, Any]], dict[str, Any]]
# (event type, from version) -> function returning the payload at version + 1
UPCASTERS: dict[tuple[str, int], Upcaster] = {
    # v2 only added optional fields (referral, review_reasons, duplicate_of, related_to, fault_key,
    # incident_id, review): a v1 payload is a valid v2 payload.
    (topics.COMPLAINT_TRIAGED, 1): dict,
    # v3 only added the optional `proposal` (grade, its clocks, model version): v2 is valid v3.
    (topics.COMPLAINT_TRIAGED, 2): dict,
}


class UnknownEventType(ValueError):
    pass


def type_of(model: type[BaseModel]) -> tuple[str, int]:
    for name, (version, cls) in EVENT_TYPES.items():
        if cls is model:
            return name, version
    raise UnknownEventType(f"{model.__name__} is not a registered event payload")


def parse_payload(envelope: Envelope) -> BaseModel:
    """Validate ``envelope.data`` against the current model, upcasting older versions first."""
    if envelope.type not in EVENT_TYPES:
        raise UnknownEventType(f"unknown event type {envelope.type!r}")
    current, model = EVENT_TYPES[envelope.type]
    data = dict(envelope.data)
    version = envelope.schemaversion
    if version > current:
        raise UnknownEventType(f"{envelope.type} v{version} is newer than this service knows (v{current})")
    while version < current:
        data = UPCASTERS[(envelope.type, version)](data)
        version += 1
    return model.model_validate(data)
