"""HTTP API of the SLA monitor: timer state of a task."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, FastAPI, Request

from pm_common.api import ApiError, Staff
from pm_common.service import create_service_app, runtime_of
from pm_sla_monitor.adapters.repository import MongoTimerRepository
from pm_sla_monitor.bootstrap import build_runtime
from pm_sla_monitor.config import SlaSettings

router = APIRouter(prefix="/v1", tags=["sla"])


@router.get("/timers/{task_id}", summary="任务时限与升级状态 / deadline and escalation state of a task")
async def get_timer(request: Request, principal: Staff, task_id: str) -> dict[str, Any]:
    doc = await MongoTimerRepository(runtime_of(request).mongo).get(task_id)
    if doc is None or not principal.can_see(doc["estate_id"]):
        raise ApiError(404, "not_found", "未找到该任务的时限记录", "timer not found")
    doc["task_id"] = doc.pop("_id")
    return doc


def create_app(settings: SlaSettings | None = None) -> FastAPI:
    return create_service_app(
        settings or SlaSettings(),
        build_runtime,
        title="时限监控服务 SLA monitor",
        description="超时提醒与逐级升级 / overdue reminders and escalation",
        routers=[router],
    )
