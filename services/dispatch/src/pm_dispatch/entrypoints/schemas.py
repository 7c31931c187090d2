"""Request bodies and the task view of the dispatch API (examples in Chinese, as users write)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from pm_dispatch.domain.assignment import Assignee
from pm_dispatch.domain.task import Task


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ReturnBody(_Body):
    reason_code: Literal["wrong_department", "not_ours", "other"]
    note: str | None = Field(None, max_length=1000, examples=["属于电梯维保单位负责"])


class AppointmentBody(_Body):
    visit_at: datetime = Field(examples=["2026-11-24T09:30:00+08:00"])


class CheckInBody(_Body):
    evidence_ids: list[str] = Field(default_factory=list, max_length=50)


class ResolveBody(_Body):
    handling_mode: Literal["explanation", "rectification", "coordination", "plan"]
    result_summary: str = Field(min_length=2, max_length=2000, examples=["已更换电梯按钮并试运行正常"])
    evidence_ids: list[str] = Field(default_factory=list, max_length=50)
    owner_confirmation_ref: str | None = Field(None, max_length=200, examples=["业主签字单 SIGN-20261124-001"])


class NoteBody(_Body):
    note: str | None = Field(None, max_length=1000)


class CancelBody(_Body):
    reason: Literal["duplicate", "invalid", "merged_into_incident", "supervisor_other"] = Field(
        "supervisor_other",
        description="duplicate (重复登记), invalid (无效诉求), merged_into_incident (并入群诉), "
        "supervisor_other (其他, note required). An owner's withdrawal comes from intake (withdrawn).",
    )
    note: str | None = Field(None, max_length=1000, examples=["与 SUNNY-20261123-0002 重复"])


class ReasonBody(_Body):
    reason: str = Field(min_length=2, max_length=1000, examples=["业主回访不满意，需重新处理"])


class AssigneeBody(_Body):
    kind: Literal["person", "team", "contractor", "control_room"]
    department: str = Field(examples=["engineering"])
    team_id: str | None = None
    person_id: str | None = Field(None, examples=["h-wang"])
    contractor_id: str | None = None
    name: str | None = Field(None, examples=["王师傅"])

    def to_assignee(self, reason: str) -> Assignee:
        return Assignee(
            kind=self.kind,
            department=self.department,
            team_id=self.team_id,
            person_id=self.person_id,
            contractor_id=self.contractor_id,
            name=self.name,
            reason=f"人工改派 / manual: {reason}",
        )


class ReassignBody(_Body):
    reason: str = Field(min_length=2, max_length=1000, examples=["原承办人休假，改派王师傅"])
    assignee: AssigneeBody | None = Field(None, description="omit to re-route by the routing rules")


class PauseBody(_Body):
    reason: Literal["owner_access", "parts", "third_party", "judicial", "other"]
    note: str | None = Field(None, max_length=1000, examples=["等待厂家配件"])


class TaskNoteBody(_Body):
    kind: Literal["progress", "internal", "staff_statement"] = Field(
        description="progress: visible to the owner; internal and staff_statement (被投诉员工陈述): staff only"
    )
    text_zh: str = Field(min_length=1, max_length=4000, examples=["维修人员已到场，正在检查"])
    text_en: str | None = Field(None, max_length=4000)
    subject_staff_id: str | None = Field(None, description="for a staff_statement: the staff member heard")


class PlanStepBody(_Body):
    description: str = Field(min_length=2, max_length=1000, examples=["更换3号楼屋面防水层"])
    owner: str = Field(examples=["eng-team-a"])
    due: datetime


class PlanBody(_Body):
    steps: list[PlanStepBody] = Field(min_length=1, max_length=50)


class ExtensionBody(_Body):
    reason: str = Field(min_length=2, max_length=1000, examples=["配件需向厂家订货，预计两天到货"])
    new_resolve_by: datetime


class DecisionBody(_Body):
    approve: bool
    note: str | None = Field(None, max_length=1000)


class SubtaskBody(_Body):
    category: Literal[
        "engineering",
        "cleaning_greening",
        "security_order",
        "customer_service",
        "fees_finance",
        "community_culture",
        "other",
    ]
    requirements: str | None = Field(None, max_length=2000, examples=["清理渗水后的地面并消毒"])
    assignee: AssigneeBody | None = None
    coordinator_id: str | None = None


class ConsultationBody(_Body):
    participants: list[str] = Field(min_length=1, max_length=30, examples=[["engineering", "customer_service"]])
    summary: str = Field(min_length=2, max_length=4000)
    decision: str = Field(min_length=2, max_length=4000)


class TaskView(BaseModel):
    """A task sheet as staff see it (every field of the sheet; the core ones typed here)."""

    model_config = ConfigDict(extra="allow")

    task_id: str
    complaint_id: str
    estate_id: str
    kind: Literal["main", "sub", "incident"]
    status: str = Field(description="assigned, accepted, on_site, in_progress, paused, resolved, verified, closed, …")
    version: int
    category: str
    urgency: str
    owner_contact_masked: str | None = None
    assignee: dict[str, Any] | None = None
    due_at: datetime | None = None
    work_log: list[dict[str, Any]] = Field(default_factory=list)


class LedgerPageView(BaseModel):
    items: list[TaskView]
    counts: dict[str, int]
    total: int
    next_cursor: str | None = None


class OwnerContactView(BaseModel):
    task_id: str
    complaint_id: str
    phone: str | None
    basis: str | None = Field(description="appointment / on_site_visit")
    revealed_at: datetime


class ContactRevealView(BaseModel):
    task_id: str
    at: datetime
    by: str
    role: str
    purpose: str
    basis: str | None = None
    outcome: Literal["served", "refused", "unavailable"]
    refusal: str | None = None


def task_view(task: Task) -> TaskView:
    """What staff see of a task (never the consumed-event ids nor the reveal trail)."""
    view = task.model_dump(mode="json", exclude={"pending", "processed", "contact_reveals"})
    view["task_id"] = view.pop("id")
    return TaskView.model_validate(view)
