"""Events the notifier produces beside ``feedback.sent`` and ``survey.answered``."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class ReturnVisitRecorded(BaseModel):
    """The outcome of a complaint's return visit (回访): dispatch closes (satisfied / no_response) or
    reopens (dissatisfied) on it. Keyed by complaint id."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    complaint_id: str
    estate_id: str
    task_id: str | None = None
    outcome: Literal["satisfied", "dissatisfied", "no_response"]
    note: str = Field("", max_length=1000)
    at: datetime
