"""Events crossing Kafka: one CloudEvents envelope, a payload model per event type, upcasters."""

from pm_common.events.envelope import CONTENT_TYPE, Envelope, new_event
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
)
from pm_common.events.registry import EVENT_TYPES, UnknownEventType, parse_payload
from pm_common.events.sla import TaskOverdue, TaskSlaWarning
from pm_common.events.wire import NotAStructuredEvent, envelope_from_kafka, event_from_kafka

__all__ = [
    "CONTENT_TYPE",
    "EVENT_TYPES",
    "ComplaintReceived",
    "ComplaintTriaged",
    "Deadlines",
    "Envelope",
    "Evidence",
    "FeedbackSent",
    "Location",
    "NotAStructuredEvent",
    "SurveyAnswered",
    "TaskAssigned",
    "TaskCancelled",
    "TaskCompleted",
    "TaskOverdue",
    "TaskSlaWarning",
    "UnknownEventType",
    "envelope_from_kafka",
    "event_from_kafka",
    "new_event",
    "parse_payload",
]
