"""The feedback step (回访 / 满意度). The round's outcome is ``return_visit.recorded`` (notifier): recorded
by customer service on a sampled round, taken from the owner's survey answer on an unsampled one, or
``no_response`` after N days. Satisfied / no response close the task; dissatisfied reopens it,
re-routed, for a supervisor to reassign if needed (DOMAIN §9: still dissatisfied → continue handling).

``survey.answered`` alone never closes: on a sampled round the customer-service return visit still
has to happen (and may find the owner dissatisfied). A dissatisfied answer reopens at once — the
owner has said the problem is not solved, there is nothing to wait for."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel

from pm_common.events import Envelope, SurveyAnswered
from pm_dispatch.domain import actions
from pm_dispatch.domain import lifecycle as lc
from pm_dispatch.domain.assignment import Router
from pm_dispatch.domain.model import task_id_for
from pm_dispatch.domain.task import Task
from pm_dispatch.service_layer.ports import TaskRepository
from pm_dispatch.service_layer.sheets import SERVICE, routing_request
from pm_dispatch.service_layer.unit import change

Outcome = Literal["satisfied", "dissatisfied", "no_response"]


async def on_feedback(
    envelope: Envelope,
    complaint_id: str,
    task_id: str | None,
    outcome: Outcome,
    note: str | None,
    repo: TaskRepository,
    router: Router,
    now: datetime,
) -> Task | None:
    task_id = task_id or task_id_for(complaint_id)
    current = await repo.get(task_id)
    if current is None:
        return None
    assignee = await router.route(routing_request(current, now)) if outcome == "dissatisfied" else None

    def decide(task: Task) -> None:
        if not lc.allowed(task.status, "close"):  # not (or no longer) waiting for feedback
            task.log(now, SERVICE, "feedback_ignored", f"{outcome}: {note or ''}")
            return
        if outcome == "dissatisfied" and assignee is not None:
            actions.reopen(task, SERVICE, now, f"业主不满意 / owner dissatisfied: {note or ''}".strip(), assignee)
        else:
            actions.close(task, SERVICE, now, outcome)

    task, _ = await change(repo, task_id, decide, cause=envelope)
    return task


async def on_survey(
    envelope: Envelope, survey: SurveyAnswered, repo: TaskRepository, router: Router, now: datetime
) -> Task | None:
    if not survey.satisfied:
        return await on_feedback(envelope, survey.complaint_id, None, "dissatisfied", survey.comment, repo, router, now)
    task_id = task_id_for(survey.complaint_id)
    if await repo.get(task_id) is None:
        return None

    def note(task: Task) -> None:  # the closure waits for the round's outcome (return_visit.recorded)
        task.log(now, SERVICE, "survey_answered", f"{survey.score}/5 {survey.comment or ''}".strip())

    task, _ = await change(repo, task_id, note, cause=envelope)
    return task


async def on_return_visit(
    envelope: Envelope, visit: BaseModel, repo: TaskRepository, router: Router, now: datetime
) -> Task | None:
    """``return_visit.recorded`` (notifier; PLAN fields ``complaint_id, task_id?, outcome, note``)."""
    outcome = getattr(visit, "outcome", None)
    if outcome not in ("satisfied", "dissatisfied", "no_response"):
        raise ValueError(f"return visit outcome {outcome!r}")
    task_id = getattr(visit, "task_id", None)
    note = getattr(visit, "note", None)
    complaint_id = str(visit.complaint_id)
    return await on_feedback(envelope, complaint_id, task_id, outcome, note, repo, router, now)
