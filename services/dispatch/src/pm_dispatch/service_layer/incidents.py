"""Dispatch's part in group incidents (群诉): open a coordination sheet escalated to the service-centre
head and company leadership when triage declares one; when it is resolved, close every linked
complaint's task with the one answer (``task.completed`` per task, caused by the resolution)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from pm_common.events import Envelope, TaskCompleted, new_event
from pm_common.events.payloads import GroupIncidentDeclared, GroupIncidentResolved
from pm_dispatch.domain.model import task_id_for
from pm_dispatch.service_layer.handlers import SOURCE, TaskRepository


class IncidentSheets(Protocol):
    async def open_sheet_once(self, document: dict[str, Any]) -> bool: ...
    async def close_sheet(self, incident_id: str, fields: dict[str, Any]) -> None: ...


class IncidentTaskRepository(TaskRepository, IncidentSheets, Protocol):
    pass


async def open_incident_sheet(
    envelope: Envelope, declared: GroupIncidentDeclared, repo: IncidentTaskRepository, now: datetime
) -> bool:
    """Idempotent: the sheet id is the incident id."""
    return await repo.open_sheet_once(
        {
            "_id": declared.incident_id,
            "estate_id": declared.estate_id,
            "place": declared.place,
            "category": declared.category,
            "complaint_ids": list(declared.complaint_ids),
            "task_ids": [task_id_for(c) for c in declared.complaint_ids],
            "escalated_to": list(declared.escalate_to),
            "status": "open",
            "opened_at": now,
            "cause_event_id": envelope.id,
        }
    )


async def close_incident_tasks(
    envelope: Envelope, resolved: GroupIncidentResolved, repo: IncidentTaskRepository, now: datetime
) -> list[str]:
    """Idempotent: a task already done is left alone; returns the tasks closed now.

    The sheet records every task this incident closed, also on a redelivery (which closes nothing
    new): tasks already closed by this incident are counted from their ``closed_by_incident``.
    """
    closed: list[str] = []
    closed_by_incident: list[str] = []
    for complaint_id in resolved.complaint_ids:
        task_id = task_id_for(complaint_id)
        task = await repo.get(task_id)
        if task is None:
            continue
        if task["status"] == "done":
            if task.get("closed_by_incident") == resolved.incident_id:
                closed_by_incident.append(task_id)
            continue
        payload = TaskCompleted(
            task_id=task_id,
            complaint_id=complaint_id,
            estate_id=task["estate_id"],
            result_summary=resolved.answer_zh,
            completed_at=now,
        )
        event = new_event(payload, source=SOURCE, estate_id=task["estate_id"], cause=envelope, now=now)
        update = {
            "$set": {
                "status": "done",
                "completed_at": now,
                "result_summary": resolved.answer_zh,
                "completed_by": resolved.resolved_by,
                "closed_by_incident": resolved.incident_id,
            }
        }
        if await repo.complete(task_id, update, event):
            closed.append(task_id)
            closed_by_incident.append(task_id)
        elif (await repo.get(task_id) or {}).get("closed_by_incident") == resolved.incident_id:
            closed_by_incident.append(task_id)  # closed by a concurrent delivery of the same resolution
    await repo.close_sheet(
        resolved.incident_id,
        {
            "estate_id": resolved.estate_id,
            "status": "resolved",
            "resolved_at": resolved.resolved_at,
            "answer_zh": resolved.answer_zh,
            "closed_task_ids": closed_by_incident,
        },
    )
    return closed
