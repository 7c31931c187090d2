"""Response models of the insights API (the OpenAPI document; schemathesis checks answers against it)."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel

from pm_common.events.insights import WarningRule


class StageCompliance(BaseModel):
    measured: int
    met: int
    late: int
    compliance: float | None


class Satisfaction(BaseModel):
    surveys: int
    mean_score: float | None
    satisfied: int
    satisfied_rate: float | None
    return_visits: int
    return_visit_satisfied: int
    return_visit_satisfied_rate: float | None


class FirstContact(BaseModel):
    resolved: int
    first_contact: int
    rate: float | None


class RepeatHousehold(BaseModel):
    estate_id: str
    household: str
    complaints: int


class Repeats(BaseModel):
    households: int
    repeat_households: int
    repeat_complaints: int
    rate: float | None
    top: list[RepeatHousehold]


class Reopen(BaseModel):
    resolved: int
    reopened: int
    reopenings: int
    rate: float | None


class Statistics(BaseModel):
    since: date
    until: date
    estates: list[str]
    complaints: int
    period: str
    by_estate: dict[str, int]
    by_nature: dict[str, int]
    by_channel: dict[str, int]
    by_handler: dict[str, int]
    by_period: dict[str, int]
    sla: dict[str, StageCompliance]
    satisfaction: Satisfaction
    first_contact_resolution: FirstContact
    repeat_households: Repeats
    reopen: Reopen


class EarlyWarning(BaseModel):
    warning_id: str
    estate_id: str
    rule: WarningRule
    key: str
    window_start: date
    window_end: date
    observed: float
    baseline: float
    threshold: float
    raised_at: datetime
    complaint_ids: list[str] | None = None


class WarningList(BaseModel):
    items: list[EarlyWarning]
