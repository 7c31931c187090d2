"""Events crossing Kafka: one CloudEvents envelope, a payload model per event type, upcasters."""

from pm_common.events.envelope import Envelope, new_event
from pm_common.events.payloads import (
    ComplaintReceived,
    ComplaintTriaged,
    Deadlines,
    Evidence,
    FeedbackSent,
    Location,
    SurveyAnswered,
    TaskAssigned,
    TaskCancelled,
    TaskCompleted,
    TaskOverdue,
)
from pm_common.events.registry import EVENT_TYPES, UnknownEventType, parse_payload

__all__ = [
    "EVENT_TYPES",
    "ComplaintReceived",
    "ComplaintTriaged",
    "Deadlines",
    "Envelope",
    "Evidence",
    "FeedbackSent",
    "Location",
    "SurveyAnswered",
    "TaskAssigned",
    "TaskCancelled",
    "TaskCompleted",
    "TaskOverdue",
    "UnknownEventType",
    "new_event",
    "parse_payload",
]
