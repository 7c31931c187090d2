"""Supervisor review (主管复核): confirm, override category / urgency / scope, or refuse with a reason.

Every review is recorded (who, when, why, what changed) — the data for improving the rules.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from pm_triage.domain.acceptance import REASONS, NonAcceptanceReason
from pm_triage.domain.classification import Category, Scope, Urgency
from pm_triage.domain.errors import InvalidReview, NotAwaitingReview

ReviewAction = Literal["confirm", "override", "reject"]


class ReviewCommand(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    action: ReviewAction
    category: Category | None = None
    urgency: Urgency | None = None
    scope: Scope | None = None
    rejection_reason: NonAcceptanceReason | None = None
    referral: str | None = Field(None, max_length=1000)
    note: str | None = Field(None, max_length=2000, description="why (required for override and reject)")


@dataclass(frozen=True)
class ReviewOutcome:
    decision: Literal["accepted", "rejected"]
    category: str
    urgency: str
    scope: str
    rejection_reason: str | None
    referral: str | None
    changed: tuple[str, ...]


URGENT_UNCERTAIN = "urgent_uncertain"


def awaits_review(current: dict[str, object]) -> bool:
    """Held for a supervisor, or dispatched as urgent on an uncertain signal (fail-safe) and queued."""
    reasons = current.get("review_reasons") or ()
    return current.get("decision") == "needs_review" or (
        current.get("decision") == "accepted" and URGENT_UNCERTAIN in reasons  # type: ignore[operator]
    )


def decide_review(current: dict[str, object], command: ReviewCommand) -> ReviewOutcome:
    """Apply a review to the current triage result (the fields of ``complaint.triaged``).

    An urgent item already dispatched on an uncertain signal can be confirmed or overridden (the
    supervisor's label is recorded for retraining), not refused: its task is under way."""
    if not awaits_review(current):
        raise NotAwaitingReview(str(current.get("complaint_id")), str(current.get("decision")))
    if current.get("decision") == "accepted" and command.action == "reject":
        raise InvalidReview(
            "已按紧急派单的事项不能不予受理，请用 override 修改分类",
            "an urgent item already dispatched cannot be refused; override it",
        )
    if command.action != "confirm" and not (command.note and command.note.strip()):
        raise InvalidReview("修改或不予受理必须填写理由", "a note (why) is required to override or reject")
    category = str(command.category or current["category"])
    urgency = str(command.urgency or current["urgency"])
    scope = str(command.scope or current["scope"])
    changed = tuple(
        name
        for name, value in (("category", category), ("urgency", urgency), ("scope", scope))
        if value != current[name]
    )
    proposed = current.get("rejection_reason")
    if command.action == "confirm":
        if changed:
            raise InvalidReview("确认时不能修改分类，请使用 override", "confirm takes no changes; use override")
        if proposed:  # confirming a non-acceptance proposal refuses the item
            referral = str(current.get("referral") or "") or None
            return ReviewOutcome("rejected", category, urgency, scope, str(proposed), referral, ("decision",))
        return ReviewOutcome("accepted", category, urgency, scope, None, None, ())
    if command.action == "override":
        if not changed and not proposed:
            raise InvalidReview("未修改任何分类项", "override changes nothing")
        return ReviewOutcome(
            "accepted", category, urgency, scope, None, None, (*changed, *(("decision",) if proposed else ()))
        )
    reason = command.rejection_reason or proposed
    if reason not in REASONS:
        raise InvalidReview("不予受理必须注明原因代码", "reject needs a rejection_reason code")
    referral = command.referral or (str(current.get("referral") or "") or None)
    if reason == "outside_duties" and not referral:
        raise InvalidReview("不属于物业职责时须告知应联系的部门或单位", "outside_duties needs a referral")
    return ReviewOutcome("rejected", category, urgency, scope, str(reason), referral, (*changed, "decision"))


def review_record(
    complaint_id: str,
    estate_id: str,
    current: dict[str, object],
    outcome: ReviewOutcome,
    command: ReviewCommand,
    reviewer: str,
    now: datetime,
) -> dict[str, object]:
    """The stored review (one per complaint): the override data for rule improvement."""
    return {
        "_id": complaint_id,
        "estate_id": estate_id,
        "reviewed_by": reviewer,
        "reviewed_at": now,
        "action": command.action,
        "note": command.note,
        "before": {k: current.get(k) for k in ("decision", "category", "urgency", "scope", "rejection_reason")},
        "after": {
            "decision": outcome.decision,
            "category": outcome.category,
            "urgency": outcome.urgency,
            "scope": outcome.scope,
            "rejection_reason": outcome.rejection_reason,
        },
        "changed": list(outcome.changed),
    }
