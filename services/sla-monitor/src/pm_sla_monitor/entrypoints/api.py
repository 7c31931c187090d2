"""HTTP API of the SLA monitor: timer state of a task."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi import APIRouter, FastAPI, Request

from pm_common.api import ApiError, Staff
from pm_common.service import create_service_app, runtime_of
from pm_sla_monitor.bootstrap import build_runtime
from pm_sla_monitor.config import SlaSettings
from pm_sla_monitor.domain.escalation import TOP_LEVEL, next_escalation_at
from pm_sla_monitor.service_layer.monitor import Clock

router = APIRouter(prefix="/v1", tags=["sla"])


@router.get("/timers/{task_id}", summary="任务时限与升级状态 / deadline and escalation state of a task")
async def get_timer(request: Request, principal: Staff, task_id: str) -> dict[str, Any]:
    runtime = runtime_of(request)
    store = runtime.state["store"]
    timer, stop = await store.get(task_id)
    known = timer or stop
    if known is None or not principal.can_see(known["estate_id"]):
        raise ApiError(404, "not_found", "未找到该任务的时限记录", "timer not found")
    level = await store.fired_level(task_id)
    due_at = timer["due_at"] if timer else None
    state = "stopped" if stop else "exhausted" if level >= TOP_LEVEL else "armed"
    step = timedelta(seconds=runtime.settings.escalation_step_seconds)
    return {
        "task_id": task_id,
        "complaint_id": known["complaint_id"],
        "estate_id": known["estate_id"],
        "due_at": due_at,
        "state": state,
        "level": level,
        "next_at": next_escalation_at(due_at, level, step) if due_at and state == "armed" else None,
        "stopped_at": stop["stopped_at"] if stop else None,
        "stop_reason": stop["reason"] if stop else None,
    }


@router.get("/schedule", summary="内存中的时限计划 / the in-memory schedule of this instance")
async def get_schedule(request: Request, principal: Staff) -> dict[str, Any]:
    monitor = runtime_of(request).state["monitor"]
    return {
        "partitions": sorted(monitor.schedule.partitions),
        "armed": len(monitor.schedule),
        "next_fire_at": monitor.schedule.next_fire(),
        "emitted": monitor.emitted,
    }


def create_app(settings: SlaSettings | None = None, clock: Clock | None = None) -> FastAPI:
    return create_service_app(
        settings or SlaSettings(),
        lambda s: build_runtime(s, clock),
        title="时限监控服务 SLA monitor",
        description="超时提醒与逐级升级 / overdue reminders and escalation",
        routers=[router],
    )
