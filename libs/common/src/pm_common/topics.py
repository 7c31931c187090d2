"""Topic registry: the names are part of the public contract.

Every topic is keyed by complaint id so that one complaint's events stay ordered in one partition.
A non-empty prefix (``KAFKA_TOPIC_PREFIX``) namespaces all topics, e.g. for isolated test runs.
"""

from __future__ import annotations

from dataclasses import dataclass

COMPLAINT_RECEIVED = "complaint.received"
COMPLAINT_TRIAGED = "complaint.triaged"
TASK_ASSIGNED = "task.assigned"
TASK_COMPLETED = "task.completed"
TASK_CANCELLED = "task.cancelled"
TASK_OVERDUE = "task.overdue"
FEEDBACK_SENT = "feedback.sent"
SURVEY_ANSWERED = "survey.answered"
COMPLAINT_WITHDRAWN = "complaint.withdrawn"
COMPLAINT_SUPPLEMENTED = "complaint.supplemented"
INCIDENT_DECLARED = "incident.declared"
INCIDENT_RESOLVED = "incident.resolved"

DLQ_SUFFIX = ".dlq"


@dataclass(frozen=True)
class TopicSpec:
    name: str
    partitions: int
    description: str


TOPICS: dict[str, TopicSpec] = {
    spec.name: spec
    for spec in (
        TopicSpec(COMPLAINT_RECEIVED, 6, "A complaint was registered at intake (any channel)."),
        TopicSpec(COMPLAINT_TRIAGED, 6, "Triage decided category, urgency, scope, acceptance and deadlines."),
        TopicSpec(TASK_ASSIGNED, 6, "Dispatch created a task sheet for a handler with a deadline."),
        TopicSpec(TASK_COMPLETED, 6, "The handler finished the task and recorded the result."),
        TopicSpec(TASK_CANCELLED, 6, "A task stopped without a result (the owner withdrew the item)."),
        TopicSpec(TASK_OVERDUE, 6, "A task passed its deadline; carries the escalation level."),
        TopicSpec(FEEDBACK_SENT, 6, "The notifier sent a message to an owner or staff member."),
        TopicSpec(SURVEY_ANSWERED, 6, "An owner answered the satisfaction survey."),
        TopicSpec(COMPLAINT_WITHDRAWN, 6, "The owner withdrew an open item at intake."),
        TopicSpec(COMPLAINT_SUPPLEMENTED, 6, "The owner added information or evidence to an open item."),
        TopicSpec(INCIDENT_DECLARED, 6, "Triage declared a group incident (群诉); keyed by incident id."),
        TopicSpec(INCIDENT_RESOLVED, 6, "A group incident was resolved with one broadcast answer."),
    )
}


def dlq(topic: str) -> str:
    return topic + DLQ_SUFFIX


def all_topic_specs(prefix: str = "") -> list[TopicSpec]:
    """Every topic and its dead-letter topic, with the namespace prefix applied."""
    specs: list[TopicSpec] = []
    for spec in TOPICS.values():
        specs.append(TopicSpec(prefix + spec.name, spec.partitions, spec.description))
        specs.append(TopicSpec(prefix + dlq(spec.name), 1, f"Dead letters of {spec.name}."))
    return specs
