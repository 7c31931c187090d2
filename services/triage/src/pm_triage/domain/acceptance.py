"""Responsibility check and non-acceptance (不予受理), each reason a named rule.

Automatic where the evidence is clear, otherwise a *proposal* that waits for the supervisor
(``needs_review``). The complainant is always told the reason (the notifier acts on the decision).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from pm_triage.domain.duplicates import HistoryMatch

NonAcceptanceReason = Literal["outside_duties", "no_facts", "in_litigation", "repeat", "false_or_malicious"]
REASONS: dict[str, tuple[str, str]] = {
    "outside_duties": ("不属于物业服务范围", "outside property-management duties"),
    "no_facts": ("缺少具体事实或有效联系方式", "no concrete facts or no usable contact"),
    "in_litigation": ("已进入诉讼、仲裁或行政复议程序", "in court, arbitration or administrative review"),
    "repeat": ("此前已处理并答复，且无新的事实", "repeat of an item already answered, no new facts"),
    "false_or_malicious": ("经核实反映内容不属实或属恶意投诉", "verified false or malicious"),
}
SUPERVISOR_ONLY: frozenset[str] = frozenset({"false_or_malicious"})

Decision = Literal["accepted", "rejected", "needs_review"]


class AcceptancePolicy(BaseModel):
    model_config = ConfigDict(frozen=True)

    review_confidence: float = Field(0.6, ge=0, le=1, description="below: a supervisor confirms the triage")
    auto_reject_confidence: float = Field(0.7, ge=0, le=1, description="outside duties refused automatically from")


@dataclass(frozen=True)
class Proposal:
    reason: NonAcceptanceReason
    clear: bool
    referral: str | None = None


@dataclass(frozen=True)
class Assessment:
    decision: Decision
    rejection_reason: str | None = None
    referral: str | None = None
    review_reasons: tuple[str, ...] = ()


def litigation_rule(out_of_scope_reason: str | None) -> Proposal | None:
    """The classifier only flags proceedings already under way (a threat to sue is not one)."""
    return Proposal("in_litigation", clear=True) if out_of_scope_reason == "in_litigation" else None


def repeat_rule(history: HistoryMatch | None) -> Proposal | None:
    if history is None or history.kind != "repeat":
        return None
    return Proposal("repeat", clear=history.clear)


def outside_duties_rule(
    out_of_scope_reason: str | None, referral: str | None, confidence: float, policy: AcceptancePolicy
) -> Proposal | None:
    if out_of_scope_reason != "outside_duties":
        return None
    return Proposal("outside_duties", clear=confidence >= policy.auto_reject_confidence, referral=referral)


def no_facts_rule(out_of_scope_reason: str | None, anonymous: bool, has_contact: bool) -> Proposal | None:
    """Vague and unreachable → refused; vague but reachable → staff may call back: a proposal."""
    if out_of_scope_reason != "no_facts":
        return None
    return Proposal("no_facts", clear=anonymous or not has_contact)


def assess(
    *,
    urgency: str,
    confidence: float,
    urgent_review: tuple[str, ...] = (),
    out_of_scope_reason: str | None,
    referral: str | None,
    anonymous: bool,
    has_contact: bool,
    history: HistoryMatch | None,
    policy: AcceptancePolicy,
) -> Assessment:
    """Accept, refuse, or hold for the supervisor. Urgent items are never held or refused by a rule:
    an urgent item the classifier was unsure of (``urgent_uncertain``) is accepted — dispatched as
    urgent at once — and also queued for the supervisor (its review reasons say why)."""
    if urgency == "urgent":
        return Assessment("accepted", review_reasons=urgent_review)
    proposal = (
        litigation_rule(out_of_scope_reason)
        or repeat_rule(history)
        or outside_duties_rule(out_of_scope_reason, referral, confidence, policy)
        or no_facts_rule(out_of_scope_reason, anonymous, has_contact)
    )
    if proposal is not None and proposal.clear:
        return Assessment("rejected", proposal.reason, proposal.referral)
    reasons: list[str] = []
    if proposal is not None:
        reasons.append(f"non_acceptance_proposal:{proposal.reason}")
    if confidence < policy.review_confidence:
        reasons.append("low_confidence")
    if reasons:
        return Assessment(
            "needs_review",
            proposal.reason if proposal else None,
            proposal.referral if proposal else None,
            tuple(reasons),
        )
    return Assessment("accepted")
