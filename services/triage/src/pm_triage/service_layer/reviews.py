"""Supervisor review use case: confirm / override / refuse a triage that waits for review, emit a new
``complaint.triaged`` (accepted or rejected) carrying the review, and record it for rule improvement."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from pm_common.calendar import HolidayCalendar
from pm_common.events import ComplaintTriaged, Envelope, new_event
from pm_common.events.payloads import TriageReview
from pm_common.logging import correlation_id
from pm_triage.domain.errors import AlreadyReviewed, TriageNotFound
from pm_triage.domain.review import ReviewCommand, decide_review, review_record
from pm_triage.domain.sla import compute_deadlines
from pm_triage.service_layer.handlers import SOURCE, TriageRepository


class ReviewRepository(Protocol):
    async def review(self, complaint_id: str) -> dict[str, Any] | None: ...
    async def add_review_once(self, document: dict[str, Any], event: Envelope) -> bool: ...


async def review_triage(
    complaint_id: str,
    command: ReviewCommand,
    reviewer: str,
    triages: TriageRepository,
    reviews: ReviewRepository,
    calendar: HolidayCalendar,
    now: datetime,
) -> dict[str, Any]:
    """One review per complaint (unique key: two supervisors at once → exactly one wins)."""
    doc = await triages.get(complaint_id)
    if doc is None:
        raise TriageNotFound(complaint_id)
    if await reviews.review(complaint_id) is not None:
        raise AlreadyReviewed(complaint_id)
    current = dict(doc["result"])
    outcome = decide_review(current, command)
    original = ComplaintTriaged.model_validate(current)
    deadlines = original.deadlines
    if outcome.decision == "accepted":  # counted from acceptance; the acknowledgement already happened
        policy = await triages.policy(doc["estate_id"])
        fresh = compute_deadlines(now, outcome.urgency, outcome.category, policy, calendar, outcome.scope)
        deadlines = fresh.model_copy(update={"acknowledge_by": original.deadlines.acknowledge_by})
    review = TriageReview(
        reviewed_by=reviewer,
        reviewed_at=now,
        action=command.action,
        note=command.note,
        previous_decision=original.decision,
        changed=outcome.changed,
        original_category=original.category,
        original_urgency=original.urgency,
        original_scope=original.scope,
    )
    payload = original.model_copy(
        update={
            "decision": outcome.decision,
            "category": outcome.category,
            "urgency": outcome.urgency,
            "scope": outcome.scope,
            "rejection_reason": outcome.rejection_reason,
            "referral": outcome.referral,
            "review_reasons": (),
            "deadlines": deadlines,
            "triaged_at": now,
            "review": review,
            "revision": original.revision + 1,  # consumers keep it even if it overtakes the original
        }
    )
    payload = ComplaintTriaged.model_validate(payload.model_dump())  # re-validate the literals
    token = correlation_id.set(str(doc.get("correlation_id") or "") or None)
    try:
        event = new_event(payload, source=SOURCE, estate_id=doc["estate_id"], now=now)
    finally:
        correlation_id.reset(token)
    record = review_record(complaint_id, doc["estate_id"], current, outcome, command, reviewer, now)
    record["event_id"] = event.id
    record["result"] = payload.model_dump(mode="json")
    if not await reviews.add_review_once(record, event):
        raise AlreadyReviewed(complaint_id)
    return record
