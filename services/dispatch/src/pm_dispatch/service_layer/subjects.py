"""The staff a complaint is about (被投诉人) on the task sheet, order-safe, and routing away from them.

``complaint.received`` brings the subjects named at registration (revision 0),
``complaint.subjects_changed`` every later change (revision 1, 2, …). The sheet keeps the list of the
highest revision it has seen (``subjects_revision``): an older or redelivered revision changes
nothing; a change that comes before the complaint creates the empty sheet and is kept on it (the
complaint's own, older list never replaces it). The complaint's sub-tasks follow the main task. A
task whose assignee is now one of its subjects is routed again, as a returning team is."""

from __future__ import annotations

from datetime import datetime

from pm_common.events import Envelope
from pm_common.events.subjects import ComplaintSubjectsChanged
from pm_dispatch.domain import actions
from pm_dispatch.domain import lifecycle as lc
from pm_dispatch.domain.assignment import Router, RoutingRequest
from pm_dispatch.domain.model import task_id_for
from pm_dispatch.domain.task import Task
from pm_dispatch.service_layer.ports import TaskRepository
from pm_dispatch.service_layer.unit import change

SERVICE = "pm/dispatch"


def routing_request(task: Task, at: datetime, exclude: tuple[str, ...] = ()) -> RoutingRequest:
    return RoutingRequest(
        estate_id=task.estate_id,
        task_id=task.id,
        category=task.category,
        urgency=task.urgency,
        scope=task.scope,
        grade=task.grade,
        building=task.location.building,
        area=task.location.area,
        at=at,
        exclude=(*exclude, *task.subject_staff_ids),  # the staff the complaint is about never handle it
    )


def empty_sheet(complaint_id: str, estate_id: str, now: datetime) -> Task:
    return Task(
        id=task_id_for(complaint_id),
        complaint_id=complaint_id,
        estate_id=estate_id,
        status="awaiting_triage",
        created_at=now,
    )


REASON = "被投诉人回避，重新派单 / the staff the complaint is about may not handle it"


def take_subjects(task: Task, subject_staff_ids: tuple[str, ...] | list[str], revision: int) -> bool:
    """Keep the subjects of ``revision`` unless the sheet holds a newer (or the same) one."""
    if revision < task.subjects_revision or (revision == task.subjects_revision and revision > 0):
        return False
    task.subjects_revision = revision
    task.subject_staff_ids = list(dict.fromkeys(subject_staff_ids))
    return True


def assigned_people(task: Task) -> set[str]:
    a = task.assignee
    return {x for x in (a.person_id, a.contractor_id) if x} if a else set()


def handled_by_subject(task: Task) -> bool:
    return task.status in lc.OPEN and bool(set(task.subject_staff_ids) & assigned_people(task))


async def route_away(repo: TaskRepository, router: Router, task: Task, now: datetime) -> Task:
    """An open task assigned to one of its subjects goes to somebody else (they are excluded)."""
    if not handled_by_subject(task):
        return task
    assignee = await router.route(routing_request(task, now))

    def reassign(current: Task) -> None:
        if handled_by_subject(current):  # still so once re-read: nobody moved it in between
            actions.reassign(current, SERVICE, now, assignee, REASON)

    task, _ = await change(repo, task.id, reassign)
    return task


async def on_subjects_changed(
    envelope: Envelope, changed: ComplaintSubjectsChanged, repo: TaskRepository, router: Router, now: datetime
) -> Task:
    main, _ = await change(
        repo,
        task_id_for(changed.complaint_id),
        lambda task: take_subjects(task, changed.subject_staff_ids, changed.revision),
        cause=envelope,
        create=lambda: empty_sheet(changed.complaint_id, changed.estate_id, now),
    )
    for sub_id in main.subtask_ids:  # copies of the sheet: the same people may not see or handle them
        sub, _ = await change(
            repo, sub_id, lambda task: take_subjects(task, changed.subject_staff_ids, changed.revision), cause=envelope
        )
        await route_away(repo, router, sub, now)
    return await route_away(repo, router, main, now)
