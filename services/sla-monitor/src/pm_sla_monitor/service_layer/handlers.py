"""SLA monitor use cases: arm a timer per task, stop it on completion, escalate when overdue."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Protocol

from pm_common.events import Envelope, TaskAssigned, TaskCancelled, TaskCompleted, TaskOverdue, new_event
from pm_sla_monitor.domain.escalation import TOP_LEVEL, next_escalation_at, target_of

SOURCE = "pm/sla-monitor"


class TimerRepository(Protocol):
    async def arm_once(self, document: dict[str, Any]) -> bool: ...
    async def stop(self, task_id: str, base: dict[str, Any], now: datetime) -> None: ...
    async def due(self, now: datetime, limit: int) -> list[dict[str, Any]]: ...
    async def escalate(self, task_id: str, from_level: int, update: dict[str, Any], event: Envelope) -> bool: ...


async def on_assigned(task: TaskAssigned, repo: TimerRepository) -> bool:
    return await repo.arm_once(
        {
            "_id": task.task_id,
            "complaint_id": task.complaint_id,
            "estate_id": task.estate_id,
            "due_at": task.due_at,
            "next_at": task.due_at,
            "level": 0,
            "state": "armed",
        }
    )


async def on_completed(done: TaskCompleted | TaskCancelled, repo: TimerRepository, now: datetime) -> None:
    # task.completed / task.cancelled may overtake task.assigned (other topics): stopping upserts the timer.
    await repo.stop(done.task_id, {"complaint_id": done.complaint_id, "estate_id": done.estate_id}, now)


async def escalate_due(repo: TimerRepository, now: datetime, step: timedelta, limit: int = 100) -> int:
    """Fire every escalation that is due; safe to run in several replicas (conditional on level)."""
    fired = 0
    for timer in await repo.due(now, limit):
        level = int(timer["level"]) + 1
        payload = TaskOverdue(
            task_id=timer["_id"],
            complaint_id=timer["complaint_id"],
            estate_id=timer["estate_id"],
            due_at=timer["due_at"],
            overdue_at=now,
            escalation_level=level,
            escalate_to=target_of(level),
        )
        event = new_event(payload, source=SOURCE, estate_id=timer["estate_id"], now=now)
        next_at = next_escalation_at(timer["due_at"], level, step)
        update = {
            "$set": {
                "level": level,
                "next_at": next_at,
                "state": "armed" if level < TOP_LEVEL else "exhausted",
                "last_escalated_at": now,
            }
        }
        if await repo.escalate(timer["_id"], level - 1, update, event):
            fired += 1
    return fired
