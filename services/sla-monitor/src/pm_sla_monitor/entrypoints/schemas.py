"""Response models of the SLA monitor's API (its OpenAPI document; schemathesis checks every answer
against them)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from pm_common.events.sla import Stage
from pm_common.sla import SlaPolicy

ClockState = Literal["running", "paused", "stopped"]
Outcome = Literal["met", "late", "void"]


class StageClock(BaseModel):
    stage: Stage
    state: ClockState
    due_at: datetime
    started_at: datetime
    basis: str = Field(description="working (working days) | clock (calendar hours)")
    generation: int = Field(description="+1 on every reopen")
    paused_at: datetime | None
    stopped_at: datetime | None
    stop_reason: str | None
    outcome: Outcome | None
    person_id: str | None
    department: str | None
    complaint_id: str


class ItemClocks(BaseModel):
    item_id: str
    estate_id: str
    clocks: list[StageClock]


class Timer(BaseModel):
    task_id: str
    complaint_id: str
    estate_id: str
    stage: Stage
    due_at: datetime
    state: ClockState
    next_at: datetime | None = Field(description="the next warning / escalation step")
    stopped_at: datetime | None
    stop_reason: str | None
    outcome: Outcome | None


class Schedule(BaseModel):
    partitions: list[int]
    armed: int
    next_fire_at: datetime | None
    emitted: int


class PolicyDocument(BaseModel):
    estate_id: str
    policy: SlaPolicy
    own: bool = Field(description="false: the platform defaults apply")
    revision: int
    updated_by: str | None
    updated_at: datetime | None


class SavedPolicy(BaseModel):
    estate_id: str
    policy: SlaPolicy
    revision: int
    updated_by: str


class PolicyRevision(BaseModel):
    revision: int | None
    policy: SlaPolicy | None
    updated_by: str | None
    updated_at: datetime | None


class PolicyHistory(BaseModel):
    estate_id: str
    revisions: list[PolicyRevision]


class GroupCount(BaseModel):
    overdue: int
    due_soon: int


class OverdueItem(BaseModel):
    item_id: str
    item: Literal["task", "complaint"]
    complaint_id: str
    estate_id: str
    stage: Stage
    due_at: datetime
    department: str | None
    person_id: str | None
    overdue: bool
    late_seconds: float


class OverdueReport(BaseModel):
    as_of: datetime
    within_hours: float
    group_by: Literal["estate", "department", "person", "stage"]
    groups: dict[str, GroupCount]
    items: list[OverdueItem] = Field(description="the first 500, earliest due first")


class StageCompliance(BaseModel):
    met: int
    late: int
    void: int
    compliance: float | None = Field(description="met / (met + late); null when nothing was measured")


class ComplianceReport(BaseModel):
    since: datetime
    until: datetime
    estate_id: str | None
    stages: dict[str, StageCompliance]
