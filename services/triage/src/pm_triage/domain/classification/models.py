"""Result models of the triage classifier (frozen pydantic v2, plain data)."""

from __future__ import annotations

from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict, Field

from pm_common.events.payloads import Category as Category
from pm_common.events.payloads import Scope as Scope
from pm_common.events.payloads import Urgency as Urgency

OutOfScopeReason = Literal["outside_duties", "in_litigation", "no_facts"]
Grade = Literal["major", "important", "minor"]

CATEGORIES: tuple[Category, ...] = get_args(Category)
URGENCIES: tuple[Urgency, ...] = get_args(Urgency)
SCOPES: tuple[Scope, ...] = get_args(Scope)


class Evidence(BaseModel):
    """One reason behind a decision: which feature fired, on what text, with what weight.

    `feature` is namespaced: ``hazard:<family>:<now|risk>``, ``model:<label>``, ``category:<name>``,
    ``urgency:<level>``, ``rule:<rule name>``, ``scope:<level>``, ``out_of_scope:<reason>``,
    ``grade:<grade>``, ``review:<reason>``, ``emotional``, ``normalized``.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    feature: str
    value: str
    weight: float


class Classification(BaseModel):
    """Explainable triage of one owner text."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    category: Category
    urgency: Urgency
    scope: Scope
    out_of_scope: bool = False
    out_of_scope_reason: OutOfScopeReason | None = None
    referral: str | None = None
    confidence: float = Field(ge=0.0, le=1.0)
    evidence: list[Evidence] = Field(default_factory=list)
    emotional: bool = False
    emotional_evidence: list[str] = Field(default_factory=list)
    grade: Grade = "minor"
    grade_evidence: list[str] = Field(default_factory=list)
    review_reasons: list[str] = Field(
        default_factory=list, description="urgent_uncertain: urgent on a credible signal the model does not confirm"
    )
    model_version: str | None = None
