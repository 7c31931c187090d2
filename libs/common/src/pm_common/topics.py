"""Topic registry: the names are part of the public contract.

Every topic is keyed by complaint id (the incident topics by incident id) so that one complaint's
events stay ordered in one partition. Each topic declares its retention and cleanup policy, which
``pm_common.kafka.admin.ensure_topics`` applies (at creation, and by altering existing topics).
A non-empty prefix (``KAFKA_TOPIC_PREFIX``) namespaces all topics, e.g. for isolated test runs.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

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

# Retention: every contract topic is a log of facts that read models (intake's register, dispatch's
# sheets, BI) can be rebuilt from by replaying it from offset 0, so nothing is ever deleted by age or
# size, and nothing is compacted (compaction keeps only the last event per key: a complaint's
# history would be lost). Dead-letter topics keep a year: long enough to redrive after any outage
# or release cycle, and the originals stay in their topic forever anyway.
FOREVER = "-1"
DAY_MS = 24 * 60 * 60 * 1000
FACTS_CONFIG: dict[str, str] = {"cleanup.policy": "delete", "retention.ms": FOREVER, "retention.bytes": FOREVER}
DLQ_CONFIG: dict[str, str] = {"cleanup.policy": "delete", "retention.ms": str(365 * DAY_MS), "retention.bytes": FOREVER}


@dataclass(frozen=True)
class TopicSpec:
    name: str
    partitions: int
    description: str
    producer: str = ""
    configs: dict[str, str] = field(default_factory=lambda: dict(FACTS_CONFIG), hash=False)


def _facts(name: str, producer: str, description: str) -> TopicSpec:
    return TopicSpec(name, 6, description, producer, dict(FACTS_CONFIG))


TOPICS: dict[str, TopicSpec] = {
    spec.name: spec
    for spec in (
        _facts(COMPLAINT_RECEIVED, "pm/intake", "A complaint was registered at intake (any channel)."),
        _facts(COMPLAINT_TRIAGED, "pm/triage", "Triage decided category, urgency, scope, acceptance and deadlines."),
        _facts(TASK_ASSIGNED, "pm/dispatch", "Dispatch created a task sheet for a handler with a deadline."),
        _facts(TASK_COMPLETED, "pm/dispatch", "The handler finished the task and recorded the result."),
        _facts(TASK_CANCELLED, "pm/dispatch", "A task stopped without a result (the owner withdrew the item)."),
        _facts(TASK_OVERDUE, "pm/sla-monitor", "A task passed its deadline; carries the escalation level."),
        _facts(FEEDBACK_SENT, "pm/notifier", "The notifier sent a message to an owner or staff member."),
        _facts(SURVEY_ANSWERED, "pm/survey (reserved)", "An owner answered the satisfaction survey."),
        _facts(COMPLAINT_WITHDRAWN, "pm/intake", "The owner withdrew an open item at intake."),
        _facts(COMPLAINT_SUPPLEMENTED, "pm/intake", "The owner added information or evidence to an open item."),
        _facts(INCIDENT_DECLARED, "pm/triage", "Triage declared a group incident (群诉); keyed by incident id."),
        _facts(INCIDENT_RESOLVED, "pm/triage", "A group incident was resolved with one broadcast answer."),
    )
}


def dlq(topic: str) -> str:
    return topic + DLQ_SUFFIX


def dlq_spec(spec: TopicSpec, prefix: str = "") -> TopicSpec:
    return TopicSpec(
        prefix + dlq(spec.name), 1, f"Dead letters of {spec.name}.", "any consumer of it", dict(DLQ_CONFIG)
    )


def all_topic_specs(prefix: str = "") -> list[TopicSpec]:
    """Every topic and its dead-letter topic, with the namespace prefix applied."""
    specs: list[TopicSpec] = []
    for spec in TOPICS.values():
        specs.append(replace(spec, name=prefix + spec.name))
        specs.append(dlq_spec(spec, prefix))
    return specs
