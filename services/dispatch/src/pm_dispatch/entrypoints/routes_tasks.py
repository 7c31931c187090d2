"""The handling lifecycle over HTTP: one route per step. Routes parse, permit, call, shape."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter

from pm_dispatch.domain.access import Actor
from pm_dispatch.entrypoints import schemas as s
from pm_dispatch.entrypoints.deps import Deps, Now
from pm_dispatch.entrypoints.permissions import acting
from pm_dispatch.service_layer import coordination, handling

router = APIRouter(prefix="/v1/tasks", tags=["tasks"])


@router.get("/{task_id}", summary="任务单详情 / one task sheet")
async def get_task(who: Annotated[Actor, acting("task.read")], deps: Deps, task_id: str) -> s.TaskView:
    return s.task_view(await handling.visible_task(deps.repo, who, task_id))


@router.get("/{task_id}/log", summary="工作日志 / work log")
async def work_log(who: Annotated[Actor, acting("task.read")], deps: Deps, task_id: str) -> list[dict[str, Any]]:
    task = await handling.visible_task(deps.repo, who, task_id)
    return [entry.model_dump(mode="json") for entry in task.work_log]


@router.post("/{task_id}/accept", summary="接单 / accept")
async def accept(who: Annotated[Actor, acting("task.accept")], deps: Deps, now: Now, task_id: str) -> s.TaskView:
    return s.task_view(await handling.accept(deps.repo, who, task_id, now))


@router.post("/{task_id}/return", summary="退单（非本部门 / 非我方职责）/ return, re-routed")
async def return_task(
    who: Annotated[Actor, acting("task.return")], deps: Deps, now: Now, task_id: str, body: s.ReturnBody
) -> s.TaskView:
    task = await handling.return_task(deps.repo, deps.router, who, task_id, body.reason_code, body.note, now)
    return s.task_view(task)


@router.post("/{task_id}/appointment", summary="预约上门时间 / agree the visit time")
async def appointment(
    who: Annotated[Actor, acting("task.appointment")], deps: Deps, now: Now, task_id: str, body: s.AppointmentBody
) -> s.TaskView:
    return s.task_view(await handling.set_appointment(deps.repo, who, task_id, body.visit_at, now))


@router.post("/{task_id}/check-in", summary="到场签到 / check in on site")
async def check_in(
    who: Annotated[Actor, acting("task.check_in")], deps: Deps, now: Now, task_id: str, body: s.CheckInBody
) -> s.TaskView:
    return s.task_view(await handling.check_in(deps.repo, who, task_id, body.evidence_ids, now))


@router.post("/{task_id}/start", summary="开始处理 / start handling")
async def start(who: Annotated[Actor, acting("task.start")], deps: Deps, now: Now, task_id: str) -> s.TaskView:
    return s.task_view(await handling.start(deps.repo, who, task_id, now))


@router.post("/{task_id}/resolve", summary="办结 / resolve with handling mode, result and evidence")
async def resolve(
    who: Annotated[Actor, acting("task.resolve")], deps: Deps, now: Now, task_id: str, body: s.ResolveBody
) -> s.TaskView:
    task = await handling.resolve(
        deps.repo,
        who,
        task_id,
        mode=body.handling_mode,
        summary=body.result_summary,
        evidence=body.evidence_ids,
        confirmation=body.owner_confirmation_ref,
        now=now,
    )
    await coordination.propagate(deps.repo, task, now)  # also done on task.resolved (crash-safe)
    return s.task_view(task)


@router.post("/{task_id}/verify", summary="客服核实 / customer service verifies the result")
async def verify(
    who: Annotated[Actor, acting("task.verify")], deps: Deps, now: Now, task_id: str, body: s.NoteBody
) -> s.TaskView:
    return s.task_view(await handling.verify(deps.repo, who, task_id, body.note, now))


@router.post("/{task_id}/close", summary="主管关闭 / a supervisor closes the task")
async def close(who: Annotated[Actor, acting("task.close")], deps: Deps, now: Now, task_id: str) -> s.TaskView:
    return s.task_view(await handling.close(deps.repo, who, task_id, now))


@router.post("/{task_id}/reopen", summary="重新处理 / reopen")
async def reopen(
    who: Annotated[Actor, acting("task.reopen")], deps: Deps, now: Now, task_id: str, body: s.ReasonBody
) -> s.TaskView:
    return s.task_view(await handling.reopen(deps.repo, deps.router, who, task_id, body.reason, now))


@router.post("/{task_id}/cancel", summary="撤销（重复 / 无效 / 并入群诉 / 其他）/ cancel with a reason")
async def cancel(
    who: Annotated[Actor, acting("task.cancel")], deps: Deps, now: Now, task_id: str, body: s.CancelBody
) -> s.TaskView:
    return s.task_view(await handling.cancel(deps.repo, who, task_id, body.note, now, body.reason))


@router.post("/{task_id}/reassign", summary="改派（主管，须说明原因）/ reassign with a reason")
async def reassign(
    who: Annotated[Actor, acting("task.reassign")], deps: Deps, now: Now, task_id: str, body: s.ReassignBody
) -> s.TaskView:
    manual = body.assignee.to_assignee(body.reason) if body.assignee else None
    return s.task_view(await handling.reassign(deps.repo, deps.router, who, task_id, manual, body.reason, now))
