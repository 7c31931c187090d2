"""Stopping a complaint's work: its main task and every open sub-task of it.

Withdrawal (``complaint.withdrawn``) and a supervisor's cancel both end here. Idempotent and
order-safe: each task records the consumed event (a redelivery changes nothing, and a redelivery
after a crash between the main task and its sub-tasks finishes the sub-tasks); a task already over
(resolved, closed, cancelled) is left as it is (``actions.cancel`` returns ``False``); a sub-task
whose creation raced with the cancel is cancelled by ``add_subtask`` once it sees the main task
cancelled (``cancel_if_main_cancelled``)."""

from __future__ import annotations

from datetime import datetime
from typing import get_args

from pm_common.events import Envelope
from pm_common.events.payloads import CancelReason
from pm_dispatch.domain import actions
from pm_dispatch.domain.task import Task
from pm_dispatch.service_layer.ports import TaskRepository
from pm_dispatch.service_layer.unit import change

_REASONS = frozenset(get_args(CancelReason))


async def cancel_subtasks(
    repo: TaskRepository,
    main: Task,
    actor: str,
    now: datetime,
    note: str | None,
    reason: CancelReason = "withdrawn",
    cause: Envelope | None = None,
) -> list[str]:
    """Cancel the main task's open sub-tasks; returns those cancelled now (none on a redelivery)."""
    done: list[str] = []
    for sid in main.subtask_ids:
        if await repo.get(sid) is None:  # reserved, not created yet: add_subtask cancels it
            continue
        _, changed = await change(repo, sid, lambda t: actions.cancel(t, actor, now, note, reason=reason), cause=cause)
        if changed:
            done.append(sid)
    return done


async def cancel_if_main_cancelled(repo: TaskRepository, sub: Task, now: datetime) -> Task:
    """A sub-task created while its main task was being cancelled follows the main task."""
    main = await repo.get(sub.parent_task_id) if sub.parent_task_id else None
    if main is None or main.status != "cancelled":
        return sub
    last = next((e for e in reversed(main.work_log) if e.action == "cancelled"), None)
    reason: CancelReason = main.cancel_reason if main.cancel_reason in _REASONS else "withdrawn"  # type: ignore[assignment]
    saved, _ = await change(
        repo,
        sub.id,
        lambda t: actions.cancel(
            t, last.by if last else "pm/dispatch", now, last.note if last else None, reason=reason
        ),
    )
    return saved
