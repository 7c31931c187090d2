"""Result models of the triage classifier (frozen pydantic v2, plain data)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Category = Literal[
    "engineering",
    "cleaning_greening",
    "security_order",
    "customer_service",
    "fees_finance",
    "community_culture",
    "other",
]
Urgency = Literal["urgent", "general", "suggestion"]
Scope = Literal["unit", "building", "estate", "group"]
OutOfScopeReason = Literal["outside_duties", "in_litigation", "no_facts"]

CATEGORIES: tuple[Category, ...] = (
    "engineering",
    "cleaning_greening",
    "security_order",
    "customer_service",
    "fees_finance",
    "community_culture",
    "other",
)
URGENCIES: tuple[Urgency, ...] = ("urgent", "general", "suggestion")
SCOPES: tuple[Scope, ...] = ("unit", "building", "estate", "group")


class Evidence(BaseModel):
    """One reason behind a decision: which feature fired, on what text, with what weight.

    `feature` is namespaced: ``category:<name>``, ``ngram:<name>``, ``urgency:<level>``,
    ``rule:<rule name>``, ``scope:<level>``, ``out_of_scope:<reason>``, ``emotional``,
    ``normalized``.
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
