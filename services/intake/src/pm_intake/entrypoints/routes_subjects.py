"""被投诉人: a supervisor names (or corrects) the staff a complaint is about, audited."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Body
from pydantic import BaseModel, ConfigDict, Field

from pm_common.auth import Principal
from pm_common.subjects import MAX_SUBJECTS
from pm_intake.domain.model import StaffId
from pm_intake.entrypoints import examples
from pm_intake.entrypoints.deps import Deps
from pm_intake.entrypoints.permissions import allowed, sees
from pm_intake.service_layer import subjects

router = APIRouter(prefix="/v1", tags=["台账 ledger"])


class SubjectsChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    subject_staff_ids: list[StaffId] = Field(max_length=MAX_SUBJECTS, description="被投诉人员工编号（空列表即清除）")
    reason: str = Field(min_length=4, max_length=200, description="变更理由（记入审计）")


class SubjectsSet(BaseModel):
    complaint_id: str
    subject_staff_ids: list[str]
    audit_id: str


@router.put(
    "/complaints/{complaint_id}/subjects",
    response_model=SubjectsSet,
    summary="设置被投诉人（需理由，审计）/ set the staff a complaint is about (audited)",
    description=(
        "仅客服主管、项目经理。被投诉人看不到这条登记（查询返回 404，台账中不出现），无论其角色；"
        "每次变更写入审计日志（变更前后、理由）与内部时间线。"
    ),
    responses=examples.response({"complaint_id": "4f1c…", "subject_staff_ids": ["sunny-sec3"], "audit_id": "9d2e…"}),
)
async def set_subjects(
    complaint_id: str,
    staff: Annotated[Principal, allowed("complaint.subjects.edit")],
    deps: Deps,
    body: Annotated[
        SubjectsChange,
        Body(openapi_examples={"name": {"value": {"subject_staff_ids": ["sunny-sec3"], "reason": "业主投诉保安态度"}}}),
    ],
) -> SubjectsSet:
    done = await subjects.set_subjects(
        complaint_id,
        list(body.subject_staff_ids),
        body.reason,
        staff.sub,
        staff.role,
        sees(staff),
        deps.repo,
        deps.audit,
        datetime.now(UTC),
    )
    return SubjectsSet(**done)
