"""Triage use cases: classify a received complaint, check responsibility, history and fault, decide
acceptance, compute deadlines, and record answers (for repeat detection)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from pm_common.calendar import HolidayCalendar
from pm_common.events import ComplaintReceived, ComplaintTriaged, Envelope, Evidence, TaskCompleted, new_event
from pm_common.events.payloads import TriageProposal
from pm_common.events.task_lifecycle import TaskResolved
from pm_triage.domain.acceptance import AcceptancePolicy, assess
from pm_triage.domain.duplicates import EarlierItem, HistoryMatch, HistoryPolicy, household_key, match_history
from pm_triage.domain.grouping import fault_key, fault_place
from pm_triage.domain.incidents import IncidentPolicy, overlaps
from pm_triage.domain.sla import SlaPolicy, compute_deadlines, grade_deadlines
from pm_triage.service_layer.classifiers import EstateClassifiers

SOURCE = "pm/triage"


@dataclass(frozen=True)
class TriageRules:
    acceptance: AcceptancePolicy = field(default_factory=AcceptancePolicy)
    history: HistoryPolicy = field(default_factory=HistoryPolicy)
    incidents: IncidentPolicy = field(default_factory=IncidentPolicy)
    # intake accepts 5,000 characters; anything far longer is not a complaint but a poison message
    # (classifying megabytes blocks the consumer for minutes and the record cannot be stored)
    max_content_chars: int = 20_000


class ContentTooLong(Exception):
    """The item can never be triaged: dead-letter it (it is not retried)."""


class TriageRepository(Protocol):
    async def get(self, complaint_id: str) -> dict[str, Any] | None: ...
    async def policy(self, estate_id: str) -> SlaPolicy: ...
    async def add_once(self, document: dict[str, Any], event: Envelope | None) -> bool: ...
    async def household_history(
        self, household: str, since: datetime, before: datetime, exclude: str
    ) -> list[EarlierItem]: ...
    async def first_same_fault(
        self, key: str, since: datetime, before: datetime, household: str | None, exclude: str
    ) -> str | None: ...
    async def record_answer(self, complaint_id: str, at: datetime, cause_event_id: str) -> bool: ...


class OpenIncidents(Protocol):
    async def open_incident(self, key: str) -> dict[str, Any] | None: ...


async def triage_received(
    envelope: Envelope,
    received: ComplaintReceived,
    classifiers: EstateClassifiers,
    repo: TriageRepository,
    incidents: OpenIncidents,
    calendar: HolidayCalendar,
    rules: TriageRules,
    now: datetime,
) -> bool:
    """Idempotent: one triage record per complaint id (unique key); a redelivered event changes nothing."""
    if len(received.content) > rules.max_content_chars:
        raise ContentTooLong(f"content of {len(received.content)} characters (at most {rules.max_content_chars})")
    if await repo.get(received.complaint_id) is not None:
        return False
    estate = await classifiers.for_estate(received.estate_id)
    result = estate.classifier.classify(received.content)
    urgency = "urgent" if received.urgency_reported == "urgent" else result.urgency  # never downgrade
    at, cid, loc = received.received_at, received.complaint_id, received.location
    household = household_key(received.estate_id, loc.building, loc.unit, loc.room)
    earlier = []
    if household:
        earlier = await repo.household_history(household, at - timedelta(days=rules.history.lookback_days), at, cid)
    history = match_history(received.content, result.category, earlier, rules.history)
    duplicate_of = history.complaint_id if history and history.kind == "duplicate" else None
    place = fault_place(loc.building, loc.area, estate.classifier.normalized(received.content), estate.facilities)
    key = fault_key(received.estate_id, place, result.category) if place else None
    related_to = incident_id = None
    if key and duplicate_of is None:
        since = at - timedelta(seconds=rules.incidents.window_seconds)
        related_to = await repo.first_same_fault(key, since, at, household, cid)
        current = await incidents.open_incident(key)
        if current is not None and overlaps(current["window_start"], at.timestamp(), rules.incidents):
            incident_id = str(current["_id"])
    has_contact = not received.anonymous and bool(received.owner_phone_masked)
    assessment = assess(
        urgency=urgency,
        urgent_review=tuple(result.review_reasons) if result.urgency == "urgent" else (),
        confidence=result.confidence,
        out_of_scope_reason=result.out_of_scope_reason,
        referral=result.referral,
        anonymous=received.anonymous,
        has_contact=has_contact,
        history=history,
        policy=rules.acceptance,
    )
    policy = await repo.policy(received.estate_id)
    deadlines = compute_deadlines(at, urgency, result.category, policy, calendar, result.scope)
    grade = "important" if urgency == "urgent" and result.grade == "minor" else result.grade  # reported urgent
    reply_by, handled_by = grade_deadlines(at, grade, policy, calendar)
    proposal = TriageProposal(
        model_version=result.model_version,
        grade=grade,
        grade_evidence=tuple(result.grade_evidence) if grade == result.grade else ("urgency_reported",),
        reply_by=reply_by,
        handled_by=handled_by,
    )
    payload = ComplaintTriaged(
        complaint_id=cid,
        estate_id=received.estate_id,
        decision=assessment.decision,
        category=result.category,
        urgency=urgency,
        scope=result.scope,
        confidence=result.confidence,
        evidence=_evidence(result.evidence, history, key, related_to),
        rejection_reason=assessment.rejection_reason,
        emotional=result.emotional,
        deadlines=deadlines,
        triaged_at=now,
        referral=assessment.referral,
        review_reasons=assessment.review_reasons,
        duplicate_of=duplicate_of,
        related_to=related_to,
        fault_key=key,
        incident_id=incident_id,
        received_at=at,
        proposal=proposal,
    )
    event = new_event(payload, source=SOURCE, estate_id=received.estate_id, cause=envelope, now=now)
    document = {
        "_id": cid,
        "estate_id": received.estate_id,
        "received_event_id": envelope.id,
        "correlation_id": envelope.correlationid,
        "content": received.content,
        "household": household,
        "fault_key": key,
        "place": place,
        "anonymous": received.anonymous,
        "subject_staff_ids": list(received.subject_staff_ids),  # 被投诉人: hidden from them on every read
        "received_at": at,
        "result": payload.model_dump(mode="json"),
        "decision": assessment.decision,
        "triaged_at": now,
    }
    if assessment.decision == "accepted" and assessment.review_reasons:  # urgent, dispatched, and queued
        document["awaiting_review"] = True
    if received.resolved_at_intake:
        # answered and closed on the spot (当场答复): classified for the statistics, nothing to dispatch
        document["decision"] = "closed_at_intake"
        return await repo.add_once(document, None)
    return await repo.add_once(document, event)


def _evidence(
    found: list[Any], history: HistoryMatch | None, key: str | None, related_to: str | None
) -> tuple[Evidence, ...]:
    items = [Evidence(feature=e.feature, value=e.value, weight=e.weight) for e in found]
    if history is not None:
        kind = history.kind if history.kind == "duplicate" else f"repeat{'' if history.clear else '_possible'}"
        items.append(Evidence(feature=f"history:{kind}", value=history.complaint_id, weight=round(history.score, 3)))
    if key:
        items.append(Evidence(feature="fault", value=key, weight=0.0))
    if related_to:
        items.append(Evidence(feature="fault:related_to", value=related_to, weight=0.0))
    return tuple(items)


async def record_answer(envelope: Envelope, completed: TaskCompleted | TaskResolved, repo: TriageRepository) -> bool:
    """A handler's result reached the owner: later near-identical items are repeats, not duplicates.
    ``task.resolved`` (dispatch's current event) counts for a complaint's own task only, not for its
    sub-tasks or a group incident's parent task."""
    if isinstance(completed, TaskResolved):
        if completed.task_id != f"T-{completed.complaint_id}":
            return False
        return await repo.record_answer(completed.complaint_id, completed.at, envelope.id)
    return await repo.record_answer(completed.complaint_id, completed.completed_at, envelope.id)
