"""Internal routes for other services (service tokens only), e.g. the notifier's contact lookup."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query

from pm_common.api import ApiError, Staff
from pm_intake.entrypoints import examples
from pm_intake.entrypoints.deps import Deps
from pm_intake.entrypoints.permissions import permit
from pm_intake.service_layer import contact

router = APIRouter(prefix="/internal/v1", tags=["内部接口 internal"])
CONTACT_READERS = frozenset({"service:notifier"})  # service identities that may read clear contacts
# dispatch, for a task's assignee: the phone only, naming the task and the person (docs/dispatch.md)
TASK_CONTACT_READER = "service:dispatch"


@router.get(
    "/complaints/{complaint_id}/contact",
    summary="通知服务在发送时获取业主联系方式（审计）/ an owner's contact for the notifier, audited",
    description="仅限通知服务的服务令牌（角色 integration，身份 service:notifier）；每次查询写入审计日志，"
    "`purpose` 为投递编号。匿名或未留联系方式的登记返回 `anonymous: true` 且无联系方式。"
    "派单服务（service:dispatch）代承办人查询时须给出 `task_id` 与 `on_behalf_of`，只返回电话。",
    responses=examples.response(
        {
            "complaint_id": "4f1c…",
            "estate_id": "SUNNY",
            "estate_name": "阳光花园",
            "reference_no": "SUNNY-20261201-0001",
            "next_contact_by": "2026-12-02T02:00:00Z",
            "anonymous": False,
            "owner_ref": "9a7c…",
            "contact": {"sms": "13812341234", "email": "zhangsan@example.com"},
        }
    ),
)
async def owner_contact(
    complaint_id: str,
    staff: Staff,
    deps: Deps,
    purpose: Annotated[str, Query(min_length=1, max_length=200, description="投递编号（记入审计）")],
    task_id: Annotated[str | None, Query(max_length=200, description="派单服务：任务单编号")] = None,
    on_behalf_of: Annotated[str | None, Query(max_length=200, description="派单服务：承办人")] = None,
) -> dict[str, Any]:
    permit(staff, "complaint.contact.internal")
    if staff.sub == TASK_CONTACT_READER:
        if not (task_id and on_behalf_of) or not contact.is_task_of(task_id, complaint_id):
            raise ApiError(
                422, "task_required", "须给出该登记的任务单与承办人", "give the complaint's task and the assignee"
            )
        return await contact.contact_for_task(
            complaint_id, purpose, task_id, on_behalf_of, staff, deps.repo, deps.audit, datetime.now(UTC)
        )
    if staff.sub not in CONTACT_READERS:
        raise ApiError(403, "forbidden", "仅通知服务可获取联系方式", "only the notifier may read contacts")
    return await contact.contact_for_delivery(
        complaint_id, purpose, staff.sub, deps.repo, deps.audit, datetime.now(UTC)
    )
