"""Several tasks for one matter: sub-tasks of a complaint under a coordinator (the complaint's task
is resolved when all its sub-tasks are), and group incidents (群诉) as a parent task whose
resolution resolves every linked child.

Propagation runs on dispatch's own ``task.resolved`` events (``on_task_resolved``), so it is
at-least-once and crash-safe: a resolution saved but not yet propagated is propagated when its event
is consumed, and a redelivery changes nothing (``actions.resolve_linked`` is idempotent)."""

from __future__ import annotations

from datetime import datetime

from pm_common.events import Envelope
from pm_common.events.payloads import GroupIncidentDeclared, GroupIncidentResolved
from pm_common.events.task_lifecycle import TaskResolved
from pm_dispatch.domain import access, actions
from pm_dispatch.domain import lifecycle as lc
from pm_dispatch.domain.access import Actor
from pm_dispatch.domain.assignment import Assignee, Router
from pm_dispatch.domain.errors import TaskNotFound
from pm_dispatch.domain.model import incident_task_id, subtask_id, task_id_for
from pm_dispatch.domain.task import Task
from pm_dispatch.service_layer.cancellation import cancel_if_main_cancelled
from pm_dispatch.service_layer.handling import open_subtasks, visible_task
from pm_dispatch.service_layer.ports import TaskRepository
from pm_dispatch.service_layer.sheets import SERVICE, routing_request
from pm_dispatch.service_layer.unit import change


async def add_subtask(
    repo: TaskRepository,
    router: Router,
    actor: Actor,
    task_id: str,
    *,
    category: str,
    requirements: str | None,
    manual: Assignee | None,
    coordinator_id: str | None,
    now: datetime,
) -> Task:
    """A sub-task for another department; the main task's assignee (or ``coordinator_id``) coordinates."""
    main = await visible_task(repo, actor, task_id)
    if main.kind != "main":
        raise TaskNotFound(task_id)

    def reserve(task: Task) -> str:
        access.require_estate(actor, task)
        lc.enter(task, "add_subtask")
        sid = subtask_id(task.complaint_id, len(task.subtask_ids) + 1)
        task.subtask_ids.append(sid)
        task.coordinator_id = coordinator_id or task.coordinator_id or actor.id
        task.log(now, actor.id, "subtask_added", f"{sid}: {category}")
        return sid

    main, reserved = await change(repo, task_id, reserve)
    if reserved is None:  # cannot happen: ``reserve`` always returns the id (no consumed event here)
        raise TaskNotFound(task_id)
    sid = reserved
    sub = main.model_copy(
        update={
            "id": sid,
            "kind": "sub",
            "status": "assigned",
            "version": 0,
            "category": category,
            "requirements": requirements,
            "parent_task_id": main.id,
            "subtask_ids": [],
            "child_task_ids": [],
            "work_log": [],
            "notes": [],
            "processed": [],
            "pending": [],
            "consultations": [],
            "returns": [],
            "created_at": now,
            "checked_in_at": None,
            "appointment_at": None,
        },
        deep=True,
    )
    assignee = manual or await router.route(routing_request(sub, now))
    actions.assign(sub, assignee, actor.id, now, reason=assignee.reason or "子任务 / sub-task", reassigned=False)
    await repo.add(sub)
    return await cancel_if_main_cancelled(repo, sub, now)  # the main task was cancelled meanwhile


async def on_incident_declared(
    envelope: Envelope, declared: GroupIncidentDeclared, repo: TaskRepository, router: Router, now: datetime
) -> Task:
    """The coordination sheet of a group incident becomes a parent task with the children linked."""
    parent_id = incident_task_id(declared.incident_id)
    children = [task_id_for(c) for c in declared.complaint_ids]
    probe = Task(
        id=parent_id,
        complaint_id=declared.complaint_ids[0],
        estate_id=declared.estate_id,
        kind="incident",
        status="awaiting_triage",
        category=declared.category,
        urgency="urgent",
        scope="group",
        grade="major",
        matter=f"群诉：{declared.place}",
        created_at=now,
        incident_id=declared.incident_id,
    )
    assignee = await router.route(routing_request(probe, now))

    def decide(task: Task) -> None:
        task.child_task_ids = sorted(set(task.child_task_ids) | set(children))
        if task.status == "awaiting_triage":
            task.requirements = "升级至服务中心负责人及公司领导 / escalated to: " + ", ".join(declared.escalate_to)
            actions.assign(task, assignee, SERVICE, now, reason=assignee.reason, reassigned=False)

    parent, _ = await change(repo, parent_id, decide, cause=envelope, create=lambda: probe.model_copy(deep=True))
    for child in children:
        await link_child(repo, child, parent_id, declared.incident_id)
    return parent


async def link_child(repo: TaskRepository, child_id: str, parent_id: str, incident_id: str) -> None:
    def link(task: Task) -> None:
        task.parent_task_id, task.incident_id = parent_id, incident_id

    child = await repo.get(child_id)
    if child is not None and child.parent_task_id != parent_id:
        await change(repo, child_id, link)


async def on_incident_resolved(
    envelope: Envelope, resolved: GroupIncidentResolved, repo: TaskRepository, now: datetime
) -> Task | None:
    """Triage resolved the incident with one answer: the parent is resolved (its children follow)."""
    parent_id = incident_task_id(resolved.incident_id)
    if await repo.get(parent_id) is None:
        return None

    def decide(task: Task) -> None:
        task.child_task_ids = sorted(set(task.child_task_ids) | {task_id_for(c) for c in resolved.complaint_ids})
        actions.resolve_linked(
            task, resolved.resolved_by, now, with_task=None, mode="coordination", summary=resolved.answer_zh
        )

    parent, _ = await change(repo, parent_id, decide, cause=envelope)
    await propagate(repo, parent, now, envelope)
    return parent


async def on_task_resolved(envelope: Envelope, resolved: TaskResolved, repo: TaskRepository, now: datetime) -> None:
    task = await repo.get(resolved.task_id)
    if task is None:
        return
    await propagate(repo, task, now, envelope)


async def propagate(repo: TaskRepository, task: Task, now: datetime, cause: Envelope | None = None) -> list[str]:
    """A resolved parent resolves its children; the last resolved sub-task resolves the main task.
    Returns the tasks resolved now (none on a redelivery)."""
    done: list[str] = []
    if task.status != "resolved" or task.resolution is None:
        return done
    resolution = task.resolution
    if task.child_task_ids:
        summary, mode, by = resolution.result_summary, resolution.handling_mode, resolution.by
        for child_id in task.child_task_ids:
            if await repo.get(child_id) is None:
                continue
            _, changed = await change(
                repo,
                child_id,
                lambda c: actions.resolve_linked(c, by, now, with_task=task.id, mode=mode, summary=summary),
                cause=cause,
            )
            if changed:
                done.append(child_id)
    if task.kind == "sub" and task.parent_task_id:
        main = await repo.get(task.parent_task_id)
        if main is not None and main.status in lc.OPEN and not await open_subtasks(repo, main):
            summaries = []
            for sid in main.subtask_ids:
                sub = await repo.get(sid)
                if sub and sub.resolution:
                    summaries.append(
                        f"{sub.assignee.department if sub.assignee else sid}：{sub.resolution.result_summary}"
                    )
            _, changed = await change(
                repo,
                main.id,
                lambda m: actions.resolve_linked(
                    m, SERVICE, now, with_task=task.id, mode="coordination", summary="；".join(summaries)
                ),
                cause=cause,
            )
            if changed:
                done.append(main.id)
    return done
