"""Dispatch use cases: a task for every accepted complaint; completion by the handler."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from pm_common.events import ComplaintTriaged, Envelope, TaskAssigned, TaskCancelled, TaskCompleted, new_event
from pm_common.events.payloads import ComplaintWithdrawn
from pm_dispatch.domain.model import department_for, task_deadline

SOURCE = "pm/dispatch"


class TaskRepository(Protocol):
    async def add_once(self, document: dict[str, Any], event: Envelope) -> bool: ...
    async def get(self, task_id: str) -> dict[str, Any] | None: ...
    async def complete(self, task_id: str, update: dict[str, Any], event: Envelope) -> bool: ...
    async def withdraw(self, task_id: str, update: dict[str, Any], event: Envelope) -> bool: ...
    async def tombstone_once(self, document: dict[str, Any]) -> bool: ...


class TaskNotFound(Exception):
    pass


class TaskAlreadyDone(Exception):
    pass


async def create_task(
    envelope: Envelope, triaged: ComplaintTriaged, repo: TaskRepository, now: datetime, cap_seconds: float | None
) -> bool:
    """Idempotent: the task id is derived from the complaint id (one task per complaint for now)."""
    task_id = task_id_for(triaged.complaint_id)
    if triaged.decision != "accepted":
        if triaged.revision > 1:  # a supervisor decided not to dispatch: an overtaken original must not either
            await repo.tombstone_once(
                {
                    "_id": task_id,
                    "complaint_id": triaged.complaint_id,
                    "estate_id": triaged.estate_id,
                    "status": "not_dispatched",
                    "triage_revision": triaged.revision,
                    "log": [],
                }
            )
        return False
    due = task_deadline(triaged.deadlines.resolve_by, triaged.deadlines.onsite_by, now, cap_seconds)
    payload = TaskAssigned(
        task_id=task_id,
        complaint_id=triaged.complaint_id,
        estate_id=triaged.estate_id,
        department=department_for(triaged.category),
        category=triaged.category,
        urgency=triaged.urgency,
        due_at=due,
        assigned_at=now,
    )
    event = new_event(payload, source=SOURCE, estate_id=triaged.estate_id, cause=envelope, now=now)
    document = {
        "_id": task_id,
        "complaint_id": triaged.complaint_id,
        "estate_id": triaged.estate_id,
        "department": payload.department,
        "category": triaged.category,
        "urgency": triaged.urgency,
        "status": "assigned",
        "due_at": due,
        "assigned_at": now,
        "log": [],
        # for the handler's preparation (DOMAIN §2, §9): emotional complainant, complaint grade and its clocks
        "emotional": triaged.emotional,
        "triage_revision": triaged.revision,
    }
    if triaged.proposal is not None:
        document["grade"] = triaged.proposal.grade
        document["grade_reply_by"] = triaged.proposal.reply_by
        document["grade_handled_by"] = triaged.proposal.handled_by
    links = {"duplicate_of": triaged.duplicate_of, "related_to": triaged.related_to, "incident_id": triaged.incident_id}
    document.update({name: value for name, value in links.items() if value})  # linked, not dropped
    return await repo.add_once(document, event)


async def complete_task(
    task_id: str, summary: str, staff_id: str, repo: TaskRepository, now: datetime
) -> dict[str, Any]:
    task = await repo.get(task_id)
    if task is None:
        raise TaskNotFound(task_id)
    if task["status"] in ("done", "withdrawn"):
        raise TaskAlreadyDone(task_id)
    payload = TaskCompleted(
        task_id=task_id,
        complaint_id=task["complaint_id"],
        estate_id=task["estate_id"],
        result_summary=summary,
        completed_at=now,
    )
    event = new_event(payload, source=SOURCE, estate_id=task["estate_id"], now=now)
    update = {"$set": {"status": "done", "completed_at": now, "result_summary": summary, "completed_by": staff_id}}
    if not await repo.complete(task_id, update, event):
        raise TaskAlreadyDone(task_id)
    task.update(update["$set"])
    return task


async def withdraw_task(envelope: Envelope, withdrawn: ComplaintWithdrawn, repo: TaskRepository, now: datetime) -> bool:
    """The owner withdrew the item: stop its task (or make sure none is created later). Idempotent."""
    task_id = task_id_for(withdrawn.complaint_id)
    task = await repo.get(task_id)
    if task is None:
        return await repo.tombstone_once(
            {
                "_id": task_id,
                "complaint_id": withdrawn.complaint_id,
                "estate_id": withdrawn.estate_id,
                "status": "withdrawn",
                "withdrawn_at": now,
                "log": [],
            }
        )
    if task["status"] in ("done", "withdrawn"):
        return False
    payload = TaskCancelled(
        task_id=task_id,
        complaint_id=withdrawn.complaint_id,
        estate_id=withdrawn.estate_id,
        reason="withdrawn",
        note=withdrawn.reason,
        cancelled_at=now,
    )
    event = new_event(payload, source=SOURCE, estate_id=withdrawn.estate_id, cause=envelope, now=now)
    return await repo.withdraw(task_id, {"$set": {"status": "withdrawn", "withdrawn_at": now}}, event)


def task_id_for(complaint_id: str) -> str:
    return f"T-{complaint_id}"
