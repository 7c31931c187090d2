"""Staff reads: ledger search (台账), one item, the audited reveal of personal data, the audit trail."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Body, Query
from pydantic import BaseModel, ConfigDict, Field

from pm_common.auth import Principal
from pm_common.events.payloads import Category, Channel
from pm_intake.domain import access
from pm_intake.domain.ledger import LedgerQuery, estate_scope
from pm_intake.domain.model import Status
from pm_intake.entrypoints import examples
from pm_intake.entrypoints.deps import Deps
from pm_intake.entrypoints.permissions import allowed, ledger_reader, sees
from pm_intake.entrypoints.schemas import AuditEntry, LedgerPageBody, Revealed, StaffItem
from pm_intake.service_layer import staff as staff_handlers

router = APIRouter(prefix="/v1", tags=["台账 ledger"])


@router.get(
    "/complaints",
    response_model=LedgerPageBody,
    summary="台账查询：按项目、状态、渠道、类别、承办人、日期、关键词 / search the ledger",
    description=(
        "只返回本人负责项目的数据，不含以本人为被投诉人的登记；联系人信息为脱敏形式；按登记时间倒序。"
        "翻页：把上一页的 `next_cursor` 作为 `cursor` 传入（键集分页，条件须与上一页相同）；`page` 仍可用。"
        "关键词按字符二元组索引检索，不区分全角半角与大小写。"
    ),
    responses=examples.response(examples.LEDGER),
)
async def search_ledger(
    staff: Annotated[Principal, allowed("complaint.read")],
    deps: Deps,
    estate_id: Annotated[str | None, Query(description="项目编号，如 SUNNY")] = None,
    status: Annotated[Status | None, Query(description="状态")] = None,
    channel: Annotated[Channel | None, Query(description="渠道")] = None,
    category: Annotated[Category | None, Query(description="类别（分诊后），如 engineering")] = None,
    handler: Annotated[str | None, Query(max_length=100, description="承办人编号（派单后）")] = None,
    department: Annotated[str | None, Query(max_length=100, description="承办部门（派单后），如 engineering")] = None,
    date_from: Annotated[datetime | None, Query(description="登记时间起（含），ISO 8601")] = None,
    date_to: Annotated[datetime | None, Query(description="登记时间止（不含），ISO 8601")] = None,
    q: Annotated[str | None, Query(max_length=100, description="内容关键词，如 漏水")] = None,
    cursor: Annotated[str | None, Query(max_length=400, description="上一页返回的 next_cursor")] = None,
    page: Annotated[int, Query(ge=1)] = 1,
    page_size: Annotated[int, Query(ge=1, le=100)] = 20,
) -> dict[str, Any]:
    query = LedgerQuery(
        estates=estate_scope(staff.estates, estate_id),
        status=status,
        channel=channel,
        category=category,
        handler=handler,
        department=department,
        date_from=date_from,
        date_to=date_to,
        text=q.strip() if q and q.strip() else None,
        cursor=cursor,
        page=page,
        page_size=page_size,
        hidden_from=ledger_reader(staff),
    )
    page = await staff_handlers.search(query, deps.repo)
    return page if access.sees_clear_text(staff.role) else access.redact_rows(page)


@router.get(
    "/complaints/{complaint_id}",
    response_model=StaffItem,
    summary="查看登记详情（含内部时间线，联系人脱敏）/ one item with its timeline",
    responses=examples.response(
        {**examples.OWNER_ITEM, "registration": {"owner": {"name": "李*", "phone": "139****1111"}}}
    ),
)
async def get_complaint(
    complaint_id: str, staff: Annotated[Principal, allowed("complaint.read")], deps: Deps
) -> dict[str, Any]:
    view = await staff_handlers.get_item(complaint_id, sees(staff), deps.repo)
    return view if access.sees_clear_text(staff.role) else access.redact_item(view)


class RevealRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=4, max_length=200, description="查看完整联系方式的理由（记入审计）")


@router.post(
    "/complaints/{complaint_id}/reveal",
    response_model=Revealed,
    summary="查看完整姓名/电话（需理由，全程审计）/ reveal personal data (audited)",
    description="仅限本项目的客服、客服主管、项目经理；每次查看写入审计日志（谁、何时、查看了什么、理由）。匿名登记无可查看内容（409）。",
    responses=examples.response({"complaint_id": "4f1c…", "name": "李四", "phone": "13900001111", "audit_id": "9d2e…"}),
)
async def reveal(
    complaint_id: str,
    staff: Annotated[Principal, allowed("complaint.reveal")],
    deps: Deps,
    body: Annotated[RevealRequest, Body(openapi_examples=examples.REVEAL)],
) -> dict[str, Any]:
    return await staff_handlers.reveal(
        complaint_id, body.reason, staff.sub, staff.role, sees(staff), deps.repo, deps.audit, datetime.now(UTC)
    )


@router.get(
    "/complaints/{complaint_id}/audit",
    response_model=list[AuditEntry],
    summary="个人信息查看审计记录 / audit trail of personal-data reveals",
    responses=examples.response(
        [
            {
                "at": "2026-11-22T02:00:00Z",
                "actor": "sup-1",
                "role": "supervisor",
                "action": "reveal_personal_data",
                "fields": ["name", "phone"],
                "reason": "电话回访，告知维修结果",
                "audit_id": "9d2e…",
            }
        ]
    ),
)
async def audit_trail(
    complaint_id: str, staff: Annotated[Principal, allowed("complaint.audit.read")], deps: Deps
) -> list[dict[str, Any]]:
    return await staff_handlers.audit_trail(complaint_id, sees(staff), deps.repo, deps.audit)
