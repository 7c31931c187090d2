"""The owner's contact for the task's assignee, and the reveal trail for supervisors."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Response
from pydantic import BaseModel, ConfigDict, Field

from pm_dispatch.domain.access import Actor
from pm_dispatch.entrypoints.deps import Deps, Now
from pm_dispatch.entrypoints.permissions import acting
from pm_dispatch.entrypoints.schemas import ContactRevealView, OwnerContactView
from pm_dispatch.service_layer import contact

router = APIRouter(prefix="/v1/tasks", tags=["tasks"])


class RevealBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    purpose: str = Field(min_length=2, max_length=200, examples=["电话确认上门维修时间"])


@router.post(
    "/{task_id}/owner-contact",
    summary="承办人查看业主电话（须有预约或需到场，全程留痕）/ the owner's phone for the assignee, audited",
    description="仅限该任务单当前的承办人（维修工 / 外包单位），且任务须已预约上门或必须到场处理（紧急、维修）；"
    "匿名登记从不提供。每次请求（含被拒绝的）记入任务单的查看记录，业主信息由受理服务另行审计。",
)
async def reveal_owner_contact(
    who: Annotated[Actor, acting("task.contact.reveal")],
    deps: Deps,
    now: Now,
    task_id: str,
    body: RevealBody,
    response: Response,
) -> OwnerContactView:
    task, answer, entry = await contact.reveal_owner_contact(deps.repo, deps.contacts, who, task_id, body.purpose, now)
    response.headers["Cache-Control"] = "no-store"
    return OwnerContactView(
        task_id=task.id, complaint_id=task.complaint_id, phone=answer.phone, basis=entry.basis, revealed_at=entry.at
    )


@router.get("/{task_id}/contact-reveals", summary="业主联系方式查看记录 / who asked for the owner's contact, when, why")
async def contact_reveals(
    who: Annotated[Actor, acting("task.contact.audit")], deps: Deps, task_id: str
) -> list[ContactRevealView]:
    entries = await contact.reveals(deps.repo, who, task_id)
    return [ContactRevealView(task_id=task_id, **e.model_dump()) for e in entries]
