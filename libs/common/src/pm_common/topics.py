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
ORG_CHANGED = "org.changed"
COMPLAINT_SUBJECTS_CHANGED = "complaint.subjects_changed"

# task lifecycle (dispatch-core), keyed by task id
TASK_ACCEPTED = "task.accepted"
TASK_RETURNED = "task.returned"
TASK_APPOINTMENT_SET = "task.appointment_set"
TASK_ON_SITE = "task.on_site"
TASK_PROGRESS_NOTED = "task.progress_noted"
TASK_EXTENSION_REQUESTED = "task.extension_requested"
TASK_EXTENSION_APPROVED = "task.extension_approved"
TASK_EXTENSION_REJECTED = "task.extension_rejected"
TASK_PAUSED = "task.paused"
TASK_RESUMED = "task.resumed"
TASK_PLAN_SUBMITTED = "task.plan_submitted"
TASK_PLAN_APPROVED = "task.plan_approved"
TASK_RESOLVED = "task.resolved"
TASK_VERIFIED = "task.verified"
TASK_CLOSED = "task.closed"
TASK_REOPENED = "task.reopened"
TASK_SLA_WARNING = "task.sla_warning"
RETURN_VISIT_RECORDED = "return_visit.recorded"
INSIGHT_WARNING = "insight.warning"

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
        _facts(SURVEY_ANSWERED, "pm/notifier", "An owner answered the satisfaction survey (H5 link or SMS reply)."),
        _facts(COMPLAINT_WITHDRAWN, "pm/intake", "The owner withdrew an open item at intake."),
        _facts(COMPLAINT_SUPPLEMENTED, "pm/intake", "The owner added information or evidence to an open item."),
        _facts(INCIDENT_DECLARED, "pm/triage", "Triage declared a group incident (群诉); keyed by incident id."),
        _facts(INCIDENT_RESOLVED, "pm/triage", "A group incident was resolved with one broadcast answer."),
        _facts(TASK_ACCEPTED, "pm/dispatch", "The assignee accepted the task."),
        _facts(
            TASK_RETURNED,
            "pm/dispatch",
            "The assignee returned the task (wrong department / not ours); it is re-routed.",
        ),
        _facts(TASK_APPOINTMENT_SET, "pm/dispatch", "A visit time was agreed with the owner."),
        _facts(TASK_ON_SITE, "pm/dispatch", "The handler checked in on site."),
        _facts(TASK_PROGRESS_NOTED, "pm/dispatch", "An owner-visible progress note on the task."),
        _facts(
            TASK_EXTENSION_REQUESTED, "pm/dispatch", "The handler asked to move the resolve deadline, with a reason."
        ),
        _facts(TASK_EXTENSION_APPROVED, "pm/dispatch", "A supervisor approved an extension; the owner is told why."),
        _facts(TASK_EXTENSION_REJECTED, "pm/dispatch", "A supervisor rejected an extension request."),
        _facts(
            TASK_PAUSED, "pm/dispatch", "The task waits for something outside the handler's control (typed reason)."
        ),
        _facts(TASK_RESUMED, "pm/dispatch", "A paused task resumed."),
        _facts(TASK_PLAN_SUBMITTED, "pm/dispatch", "The handler submitted a handling plan (steps, owners, dates)."),
        _facts(TASK_PLAN_APPROVED, "pm/dispatch", "A supervisor approved the handling plan."),
        _facts(
            TASK_RESOLVED,
            "pm/dispatch",
            "The task was handled: handling mode, result, evidence (replaces task.completed).",
        ),
        _facts(TASK_VERIFIED, "pm/dispatch", "Customer service verified the result."),
        _facts(TASK_CLOSED, "pm/dispatch", "The task closed after the feedback step (or by a supervisor)."),
        _facts(TASK_REOPENED, "pm/dispatch", "A resolved or closed task was reopened (e.g. owner dissatisfied)."),
        _facts(ORG_CHANGED, "pm/dispatch", "An estate's organisation changed (full snapshot); keyed by estate id."),
        _facts(TASK_SLA_WARNING, "pm/sla-monitor", "A share of a stage's time is used up; warns the assignee."),
        _facts(RETURN_VISIT_RECORDED, "pm/notifier", "The outcome of a complaint's return visit (回访)."),
        _facts(
            INSIGHT_WARNING,
            "pm/insights",
            "Early warning: a nature, a place, repeats or reopenings rose above baseline.",
        ),
        _facts(
            COMPLAINT_SUBJECTS_CHANGED,
            "pm/intake",
            "The staff a complaint is about (被投诉人) changed after registration (whole list, revision).",
        ),
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


def producer_service(spec: TopicSpec) -> str:
    """The service (= broker principal) that alone may produce the topic: ``pm/intake`` -> ``intake``."""
    return spec.producer.removeprefix("pm/")


def own_topic_specs(service: str, consumed: list[str], prefix: str = "") -> list[TopicSpec]:
    """The topics ``service`` creates itself: the ones it produces and the dead-letter topics of the
    ones it consumes (the broker's ACLs let it create, write and configure exactly these)."""
    specs = [replace(s, name=prefix + s.name) for s in TOPICS.values() if producer_service(s) == service]
    specs += [dlq_spec(TOPICS[t], prefix) for t in consumed if t in TOPICS]
    return specs
