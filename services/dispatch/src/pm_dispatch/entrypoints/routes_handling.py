"""Pauses, notes, plans, extensions, sub-tasks and joint consultations over HTTP."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path

from pm_dispatch.domain.access import Actor
from pm_dispatch.domain.task import PlanStep
from pm_dispatch.entrypoints import schemas as s
from pm_dispatch.entrypoints.deps import Deps, Now
from pm_dispatch.entrypoints.permissions import acting
from pm_dispatch.service_layer import coordination, handling

router = APIRouter(prefix="/v1/tasks", tags=["tasks"])


@router.post("/{task_id}/pause", summary="暂停（等待业主 / 配件 / 第三方 / 司法）/ pause with a reason")
async def pause(
    who: Annotated[Actor, acting("task.pause")], deps: Deps, now: Now, task_id: str, body: s.PauseBody
) -> s.TaskView:
    return s.task_view(await handling.pause(deps.repo, who, task_id, body.reason, body.note, now))


@router.post("/{task_id}/resume", summary="恢复 / resume")
async def resume(who: Annotated[Actor, acting("task.resume")], deps: Deps, now: Now, task_id: str) -> s.TaskView:
    return s.task_view(await handling.resume(deps.repo, who, task_id, now))


@router.post("/{task_id}/notes", status_code=201, summary="进度说明（业主可见）/ 内部备注 / 被投诉员工陈述")
async def add_note(
    who: Annotated[Actor, acting("task.note")], deps: Deps, now: Now, task_id: str, body: s.TaskNoteBody
) -> s.TaskView:
    task = await handling.add_note(
        deps.repo,
        who,
        task_id,
        kind=body.kind,
        text_zh=body.text_zh,
        text_en=body.text_en,
        subject_staff_id=body.subject_staff_id,
        now=now,
    )
    return s.task_view(task)


@router.get("/{task_id}/notes", summary="备注列表 / notes (owner-visible and internal)")
async def notes(
    who: Annotated[Actor, acting("task.read")], deps: Deps, task_id: str, visibility: str | None = None
) -> list[dict[str, Any]]:
    task = await handling.visible_task(deps.repo, who, task_id)
    return [n.model_dump(mode="json") for n in task.notes if visibility in (None, n.visibility)]


@router.post("/{task_id}/plan", summary="提交处理方案 / submit a plan (steps, owners, dates)")
async def submit_plan(
    who: Annotated[Actor, acting("task.plan.submit")], deps: Deps, now: Now, task_id: str, body: s.PlanBody
) -> s.TaskView:
    steps = [PlanStep(description=x.description, owner=x.owner, due=x.due) for x in body.steps]
    return s.task_view(await handling.submit_plan(deps.repo, who, task_id, steps, now))


@router.post("/{task_id}/plan/approve", summary="主管审批方案 / a supervisor approves the plan")
async def approve_plan(
    who: Annotated[Actor, acting("task.plan.approve")], deps: Deps, now: Now, task_id: str
) -> s.TaskView:
    return s.task_view(await handling.approve_plan(deps.repo, who, task_id, now))


@router.post("/{task_id}/extensions", status_code=201, summary="申请延期（原因 + 新时限）/ request an extension")
async def request_extension(
    who: Annotated[Actor, acting("task.extension.request")], deps: Deps, now: Now, task_id: str, body: s.ExtensionBody
) -> s.TaskView:
    return s.task_view(await handling.request_extension(deps.repo, who, task_id, body.reason, body.new_resolve_by, now))


@router.post("/{task_id}/extensions/{n}/decision", summary="审批延期 / approve or reject an extension")
async def decide_extension(
    who: Annotated[Actor, acting("task.extension.decide")],
    deps: Deps,
    now: Now,
    task_id: str,
    n: Annotated[int, Path(ge=1, le=1000)],
    body: s.DecisionBody,
) -> s.TaskView:
    return s.task_view(await handling.decide_extension(deps.repo, who, task_id, n, body.approve, body.note, now))


@router.post("/{task_id}/subtasks", status_code=201, summary="拆分子任务（多部门协同）/ add a sub-task")
async def add_subtask(
    who: Annotated[Actor, acting("task.subtask.create")], deps: Deps, now: Now, task_id: str, body: s.SubtaskBody
) -> s.TaskView:
    sub = await coordination.add_subtask(
        deps.repo,
        deps.router,
        who,
        task_id,
        category=body.category,
        requirements=body.requirements,
        manual=body.assignee.to_assignee("子任务 / sub-task") if body.assignee else None,
        coordinator_id=body.coordinator_id,
        now=now,
    )
    return s.task_view(sub)


@router.post("/{task_id}/consultations", status_code=201, summary="会商记录 / record a joint consultation")
async def consult(
    who: Annotated[Actor, acting("task.consultation.record")],
    deps: Deps,
    now: Now,
    task_id: str,
    body: s.ConsultationBody,
) -> s.TaskView:
    task = await handling.consult(deps.repo, who, task_id, body.participants, body.summary, body.decision, now)
    return s.task_view(task)
