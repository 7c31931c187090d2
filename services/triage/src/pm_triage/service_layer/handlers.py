"""Triage use cases: classify a received complaint, decide acceptance, compute deadlines."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from pm_common.calendar import HolidayCalendar
from pm_common.events import ComplaintReceived, ComplaintTriaged, Envelope, Evidence, new_event

from pm_triage.domain.sla import SlaPolicy, compute_deadlines

SOURCE = "pm/triage"


class ClassifierPort(Protocol):
    def classify(self, text: str) -> Any: ...


class TriageRepository(Protocol):
    async def policy(self, estate_id: str) -> SlaPolicy: ...
    async def add_once(self, document: dict[str, Any], event: Envelope) -> bool: ...


async def triage_received(
    envelope: Envelope,
    received: ComplaintReceived,
    classifier: ClassifierPort,
    repo: TriageRepository,
    calendar: HolidayCalendar,
    now: datetime,
) -> bool:
    """Idempotent: one triage record per complaint id; a redelivered event changes nothing."""
    result = classifier.classify(received.content)
    urgency = result.urgency
    if received.urgency_reported == "urgent":
        urgency = "urgent"  # never downgrade what the owner or staff reported as urgent
    policy = await repo.policy(received.estate_id)
    deadlines = compute_deadlines(received.received_at, urgency, result.category, policy, calendar)
    decision = "rejected" if result.out_of_scope else "accepted"
    payload = ComplaintTriaged(
        complaint_id=received.complaint_id,
        estate_id=received.estate_id,
        decision=decision,
        category=result.category,
        urgency=urgency,
        scope=result.scope,
        confidence=result.confidence,
        evidence=tuple(Evidence(feature=e.feature, value=e.value, weight=e.weight) for e in result.evidence),
        rejection_reason=result.out_of_scope_reason if result.out_of_scope else None,
        emotional=result.emotional,
        deadlines=deadlines,
        triaged_at=now,
    )
    event = new_event(
        payload, source=SOURCE, subject=received.complaint_id, estate_id=received.estate_id, cause=envelope, now=now
    )
    document = {
        "_id": received.complaint_id,
        "estate_id": received.estate_id,
        "received_event_id": envelope.id,
        "content": received.content,
        "result": payload.model_dump(mode="json"),
        "decision": decision,
        "triaged_at": now,
    }
    return await repo.add_once(document, event)
