"""Typed 2xx bodies of triage's API (OpenAPI). The fields listed are the contract; stored records
may carry more (``extra="allow"``: passed through, not promised)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from pm_triage.domain.classification.models import Classification


class _Open(BaseModel):
    model_config = ConfigDict(extra="allow")


class ClassifyResult(Classification):
    lexicon_revision: int | str | None = Field(None, description="the estate overlay's revision applied")


class TriageRecord(_Open):
    complaint_id: str
    estate_id: str
    decision: str | None = None
    category: str | None = None
    urgency: str | None = None
    scope: str | None = None
    review: dict[str, Any] | None = Field(None, description="the supervisor's review, if any")
    incident_id: str | None = None


class ReviewQueueItem(_Open):
    complaint_id: str
    estate_id: str | None = None
    decision: str | None = None
    triaged_at: datetime | None = None


class ReviewRecord(_Open):
    complaint_id: str
    estate_id: str | None = None


class LexiconDocument(_Open):
    estate_id: str
    overlay: dict[str, Any] = Field(default_factory=dict)
    revision: str | None = Field(None, description="id of the overlay version")


class Incident(_Open):
    incident_id: str
    estate_id: str
    status: str
    children: list[Any] = Field(default_factory=list)
    confirmation: dict[str, Any] | None = None
    decision: dict[str, Any] | None = None


class IncidentDecision(_Open):
    incident_id: str
