"""Use cases of the people working a task (API): each loads the task, checks the row-level rule
(assignee or manager of the estate; estate scope for customer service), applies one domain step
and saves it with its event. Role checks come first, in the entry point's permission table."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from pm_common.events.payloads import CancelReason
from pm_dispatch.domain import access, actions, control, lifecycle
from pm_dispatch.domain.access import Actor
from pm_dispatch.domain.assignment import Assignee, Router
from pm_dispatch.domain.errors import TaskNotFound
from pm_dispatch.domain.ledger import OPEN_STATUSES
from pm_dispatch.domain.task import PlanStep, Task
from pm_dispatch.service_layer.cancellation import cancel_subtasks
from pm_dispatch.service_layer.ports import TaskRepository
from pm_dispatch.service_layer.sheets import routing_request
from pm_dispatch.service_layer.unit import change

Rule = Callable[[Actor, Task], None]


async def visible_task(repo: TaskRepository, actor: Actor, task_id: str) -> Task:
    task = await repo.get(task_id)
    if task is None or not access.may_see(actor, task) or task.status in ("awaiting_triage", "not_dispatched"):
        raise TaskNotFound(task_id)
    return task


async def _do(
    repo: TaskRepository,
    actor: Actor,
    task_id: str,
    step: Callable[[Task], object],
    rule: Rule = access.require_handler,
) -> Task:
    task = await repo.get(task_id)
    if task is None or not access.reachable(actor, task) or task.status in ("awaiting_triage", "not_dispatched"):
        raise TaskNotFound(task_id)

    def decide(current: Task) -> None:
        rule(actor, current)
        step(current)

    saved, _ = await change(repo, task_id, decide)
    return saved


async def accept(repo: TaskRepository, actor: Actor, task_id: str, now: datetime) -> Task:
    return await _do(repo, actor, task_id, lambda t: actions.accept(t, actor.id, now))


async def return_task(
    repo: TaskRepository, router: Router, actor: Actor, task_id: str, reason_code: str, note: str | None, now: datetime
) -> Task:
    task = await visible_task(repo, actor, task_id)
    a = task.assignee
    exclude = tuple(x for x in ((a.team_id, a.person_id, a.contractor_id) if a else ()) if x)
    rerouted = await router.route(routing_request(task, now, exclude))
    return await _do(repo, actor, task_id, lambda t: actions.return_task(t, actor.id, now, reason_code, note, rerouted))


async def set_appointment(repo: TaskRepository, actor: Actor, task_id: str, visit_at: datetime, now: datetime) -> Task:
    return await _do(repo, actor, task_id, lambda t: actions.set_appointment(t, actor.id, now, visit_at))


async def check_in(repo: TaskRepository, actor: Actor, task_id: str, evidence: list[str], now: datetime) -> Task:
    return await _do(repo, actor, task_id, lambda t: actions.check_in(t, actor.id, now, evidence))


async def start(repo: TaskRepository, actor: Actor, task_id: str, now: datetime) -> Task:
    return await _do(repo, actor, task_id, lambda t: actions.start(t, actor.id, now))


async def open_subtasks(repo: TaskRepository, task: Task) -> list[str]:
    """Sub-tasks not yet resolved (a missing one counts as open)."""
    subs = [await repo.get(s) for s in task.subtask_ids]
    return [sid for sid, sub in zip(task.subtask_ids, subs, strict=True) if sub is None or sub.status in OPEN_STATUSES]


async def resolve(
    repo: TaskRepository,
    actor: Actor,
    task_id: str,
    *,
    mode: str,
    summary: str,
    evidence: list[str],
    confirmation: str | None,
    now: datetime,
) -> Task:
    task = await visible_task(repo, actor, task_id)
    pending = await open_subtasks(repo, task)
    return await _do(
        repo,
        actor,
        task_id,
        lambda t: actions.resolve(
            t,
            actor.id,
            now,
            mode=mode,
            summary=summary,
            evidence=evidence,
            confirmation=confirmation,
            open_subtasks=pending,
        ),
    )


async def verify(repo: TaskRepository, actor: Actor, task_id: str, note: str | None, now: datetime) -> Task:
    return await _do(repo, actor, task_id, lambda t: actions.verify(t, actor.id, now, note), access.require_estate)


async def close(repo: TaskRepository, actor: Actor, task_id: str, now: datetime) -> Task:
    return await _do(
        repo, actor, task_id, lambda t: actions.close(t, actor.id, now, "closed_by_supervisor"), access.require_estate
    )


async def reopen(repo: TaskRepository, router: Router, actor: Actor, task_id: str, reason: str, now: datetime) -> Task:
    task = await visible_task(repo, actor, task_id)
    assignee = await router.route(routing_request(task, now))
    return await _do(
        repo, actor, task_id, lambda t: actions.reopen(t, actor.id, now, reason, assignee), access.require_estate
    )


async def cancel(
    repo: TaskRepository,
    actor: Actor,
    task_id: str,
    note: str | None,
    now: datetime,
    reason: CancelReason = "supervisor_other",
) -> Task:
    """A supervisor stops the task (and its open sub-tasks) for ``reason``; ``supervisor_other`` needs a note."""

    def step(task: Task) -> None:
        lifecycle.enter(task, "cancel")  # the API refuses what the consumer's idempotent cancel ignores
        lifecycle.require_cancel_note(reason, note)
        actions.cancel(task, actor.id, now, note, reason=reason)

    task = await _do(repo, actor, task_id, step, access.require_estate)
    await cancel_subtasks(repo, task, actor.id, now, note, reason)
    return task


async def reassign(
    repo: TaskRepository,
    router: Router,
    actor: Actor,
    task_id: str,
    manual: Assignee | None,
    reason: str,
    now: datetime,
) -> Task:
    """A supervisor's reassignment with a reason: to the named assignee, or re-routed when none is named."""
    task = await visible_task(repo, actor, task_id)
    if manual is not None:
        access.check_not_subject(task, manual.person_id, manual.contractor_id)
    assignee = manual or await router.route(routing_request(task, now))
    return await _do(
        repo, actor, task_id, lambda t: actions.reassign(t, actor.id, now, assignee, reason), access.require_estate
    )


async def pause(repo: TaskRepository, actor: Actor, task_id: str, reason: str, note: str | None, now: datetime) -> Task:
    return await _do(repo, actor, task_id, lambda t: control.pause(t, actor.id, now, reason, note))


async def resume(repo: TaskRepository, actor: Actor, task_id: str, now: datetime) -> Task:
    return await _do(repo, actor, task_id, lambda t: control.resume(t, actor.id, now))


async def submit_plan(repo: TaskRepository, actor: Actor, task_id: str, steps: list[PlanStep], now: datetime) -> Task:
    return await _do(repo, actor, task_id, lambda t: control.submit_plan(t, actor.id, now, steps))


async def approve_plan(repo: TaskRepository, actor: Actor, task_id: str, now: datetime) -> Task:
    return await _do(repo, actor, task_id, lambda t: control.approve_plan(t, actor.id, now), access.require_estate)


async def request_extension(
    repo: TaskRepository, actor: Actor, task_id: str, reason: str, new_resolve_by: datetime, now: datetime
) -> Task:
    return await _do(
        repo, actor, task_id, lambda t: control.request_extension(t, actor.id, now, reason, new_resolve_by)
    )


async def decide_extension(
    repo: TaskRepository, actor: Actor, task_id: str, n: int, approve: bool, note: str | None, now: datetime
) -> Task:
    return await _do(
        repo,
        actor,
        task_id,
        lambda t: control.decide_extension(t, actor.id, now, n, approve, note),
        access.require_estate,
    )


async def add_note(
    repo: TaskRepository,
    actor: Actor,
    task_id: str,
    *,
    kind: str,
    text_zh: str,
    text_en: str | None,
    subject_staff_id: str | None,
    now: datetime,
) -> Task:
    return await _do(
        repo,
        actor,
        task_id,
        lambda t: control.add_note(
            t, actor.id, now, kind=kind, text_zh=text_zh, text_en=text_en, subject_staff_id=subject_staff_id
        ),
    )


async def consult(
    repo: TaskRepository,
    actor: Actor,
    task_id: str,
    participants: list[str],
    summary: str,
    decision: str,
    now: datetime,
) -> Task:
    return await _do(
        repo,
        actor,
        task_id,
        lambda t: control.consult(t, actor.id, now, participants, summary, decision),
        access.require_estate,
    )
