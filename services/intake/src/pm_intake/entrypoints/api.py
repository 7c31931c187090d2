"""HTTP API of intake: parse input, call a handler, shape the response."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Body, FastAPI, Request
from pm_common.api import ApiError, Staff, require_estate, require_role
from pm_common.service import create_service_app, runtime_of

from pm_intake.bootstrap import build_runtime, repository
from pm_intake.config import IntakeSettings
from pm_intake.domain.model import Acknowledgement, Registration, UnknownEstate
from pm_intake.service_layer import handlers

router = APIRouter(prefix="/v1", tags=["complaints"])


EXAMPLE = {
    "estate_id": "SUNNY",
    "channel": "front_desk",
    "content": "3号楼2单元电梯困人，里面有老人，请马上派人",
    "location": {"building": "3", "unit": "2"},
    "owner": {"name": "张三", "phone": "13812341234"},
    "urgency_reported": "urgent",
}


@router.post("/complaints", status_code=201, response_model=Acknowledgement, summary="登记投诉/报修/建议 / register")
async def register_complaint(
    request: Request, principal: Staff, registration: Annotated[Registration, Body(examples=[EXAMPLE])]
) -> Acknowledgement:
    require_role(principal, "front_desk", "supervisor", "project_manager", "integration")
    require_estate(principal, registration.estate_id)
    repo = repository(runtime_of(request))
    try:
        return await handlers.register(registration, principal.sub, repo, datetime.now(UTC))
    except UnknownEstate as exc:
        raise ApiError(
            422, "unknown_estate", f"项目（小区）{exc.estate_id} 不存在", f"unknown estate {exc.estate_id}"
        ) from None


@router.get("/complaints/{complaint_id}", summary="查看登记详情 / one item with its timeline")
async def get_complaint(request: Request, principal: Staff, complaint_id: str) -> dict[str, Any]:
    doc = await repository(runtime_of(request)).get(complaint_id)
    if doc is None or not principal.can_see(doc["estate_id"]):
        raise ApiError(404, "not_found", "未找到该记录", "complaint not found")
    doc["complaint_id"] = doc.pop("_id")
    doc.pop("processed_events", None)
    return doc


def create_app(settings: IntakeSettings | None = None) -> FastAPI:
    return create_service_app(
        settings or IntakeSettings(),
        build_runtime,
        title="投诉受理服务 Intake",
        description="所有渠道的登记、即时回执与业主查询 / every channel's register, acknowledgement, owner tracking",
        routers=[router],
    )
