"""HTTP API of the SLA monitor: clock state of an item, the in-memory schedule of this instance."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, FastAPI, Request

from pm_common.api import ApiError
from pm_common.auth import Principal
from pm_common.openapi import document_errors
from pm_common.service import create_service_app, runtime_of
from pm_sla_monitor.bootstrap import build_runtime
from pm_sla_monitor.config import SlaSettings
from pm_sla_monitor.domain.lifecycle import derive
from pm_sla_monitor.entrypoints import routes_policy, routes_queries
from pm_sla_monitor.entrypoints.permissions import allowed, sees
from pm_sla_monitor.entrypoints.schemas import ItemClocks, Schedule, Timer
from pm_sla_monitor.service_layer.clocks import describe
from pm_sla_monitor.service_layer.monitor import Timekeeper

router = APIRouter(prefix="/v1", tags=["sla"])
NOT_FOUND = ("not_found", "未找到该任务的时限记录", "timer not found")


async def _clocks(request: Request, principal: Principal, item_id: str) -> tuple[str, list[dict[str, Any]]]:
    state = runtime_of(request).state
    for kind in ("task", "complaint"):
        facts = await state["clocks"].read_facts(f"{kind}:{item_id}")
        if facts:
            estate = next((f["d"]["estate_id"] for f in facts if f["d"].get("estate_id")), "")
            if not principal.can_see(estate):
                break
            policy, own = await state["config"].policy(estate)
            clocks = derive(kind, item_id, facts, policy, own, state["calendar"])
            complaints = sorted({c.complaint_id for c in clocks.values() if c.complaint_id})
            if not await sees(principal, estate, complaints, state["subjects"]):
                break  # about the caller: as if it did not exist
            return estate, [describe(c) | {"complaint_id": c.complaint_id} for c in clocks.values()]
    raise ApiError(404, *NOT_FOUND)


@router.get(
    "/clocks/{item_id}", response_model=ItemClocks, summary="各阶段时限 / every stage clock of a task or complaint"
)
async def get_clocks(
    request: Request, principal: Annotated[Principal, allowed("sla.clock.read")], item_id: str
) -> dict[str, Any]:
    estate, clocks = await _clocks(request, principal, item_id)
    return {"item_id": item_id, "estate_id": estate, "clocks": clocks}


@router.get(
    "/timers/{task_id}", response_model=Timer, summary="任务时限与升级状态 / the task's main clock (resolve / onsite)"
)
async def get_timer(
    request: Request, principal: Annotated[Principal, allowed("sla.clock.read")], task_id: str
) -> dict[str, Any]:
    estate, clocks = await _clocks(request, principal, task_id)
    order = ("resolve", "suggestion_reply", "onsite", "plan", "return_visit")
    main = sorted((c for c in clocks if c["stage"] in order), key=lambda c: order.index(c["stage"]))
    if not main:
        raise ApiError(404, *NOT_FOUND)
    clock = main[0]
    monitor = runtime_of(request).state["monitor"]
    key = f"{task_id}|{clock['stage']}"
    index = monitor.schedule.index_of(key)
    next_at = None
    if index is not None and (armed := monitor.schedule.clock_of(key)) is not None:
        next_at = (await monitor.plan(estate)).step(armed, index).at
    return {
        "task_id": task_id,
        "complaint_id": clock["complaint_id"],
        "estate_id": estate,
        "stage": clock["stage"],
        "due_at": clock["due_at"],
        "state": clock["state"],
        "next_at": next_at,
        "stopped_at": clock["stopped_at"],
        "stop_reason": clock["stop_reason"],
        "outcome": clock["outcome"],
    }


@router.get("/schedule", response_model=Schedule, summary="内存中的时限计划 / the in-memory schedule of this instance")
async def get_schedule(
    request: Request, principal: Annotated[Principal, allowed("sla.schedule.read")]
) -> dict[str, Any]:
    monitor = runtime_of(request).state["monitor"]
    return {
        "partitions": sorted(monitor.schedule.partitions),
        "armed": len(monitor.schedule),
        "next_fire_at": monitor.schedule.next_fire(),
        "emitted": monitor.emitted,
    }


def create_app(settings: SlaSettings | None = None, clock: Timekeeper | None = None) -> FastAPI:
    app = create_service_app(
        settings or SlaSettings(),
        lambda s: build_runtime(s, clock),
        title="时限监控服务 SLA monitor",
        description="各阶段时限、提醒、逐级升级与时限标准 / stage clocks, warnings, escalation, SLA policy",
        routers=[router, routes_policy.router, routes_queries.router],
    )
    document_errors(app)
    return app
