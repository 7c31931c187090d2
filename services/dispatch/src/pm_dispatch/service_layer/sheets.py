"""The task sheet from intake's and triage's events, order-safe: ``complaint.received`` brings the
content and location, ``complaint.triaged`` the decision, nature and deadlines; either may come first.
Both land on the one document ``T-<complaint>``; the task is assigned (``task.assigned`` v2) once
an accepted decision is there. Every handler is idempotent (consumed event ids are kept on the task)."""

from __future__ import annotations

from datetime import datetime

from pm_common.events import ComplaintReceived, ComplaintTriaged, Envelope
from pm_common.events.payloads import ComplaintWithdrawn
from pm_dispatch.domain import actions
from pm_dispatch.domain.assignment import Router
from pm_dispatch.domain.model import task_deadline, task_id_for
from pm_dispatch.domain.task import Place, StageDeadlines, Task
from pm_dispatch.service_layer.cancellation import cancel_subtasks
from pm_dispatch.service_layer.ports import TaskRepository
from pm_dispatch.service_layer.subjects import SERVICE, empty_sheet, route_away, routing_request, take_subjects
from pm_dispatch.service_layer.unit import change

__all__ = ["SERVICE", "adopt", "empty_sheet", "on_received", "on_triaged", "on_withdrawn", "routing_request"]


async def on_received(
    envelope: Envelope, received: ComplaintReceived, repo: TaskRepository, now: datetime, router: Router | None = None
) -> Task | None:
    """Fill the sheet. An item answered and closed at intake (当场答复) never gets a task: nothing
    is stored for it (triage records it without a decision dispatch would act on)."""
    if received.resolved_at_intake and await repo.get(task_id_for(received.complaint_id)) is None:
        return None

    def fill(task: Task) -> None:
        task.content = received.content
        task.matter = received.matter
        task.location = Place(**received.location.model_dump())
        task.evidence_ids = sorted(set(task.evidence_ids) | set(received.evidence_ids))
        task.anonymous = received.anonymous
        task.owner_contact_masked = None if received.anonymous else received.owner_phone_masked
        take_subjects(task, received.subject_staff_ids, 0)  # unless a later change came first

    task, _ = await change(
        repo,
        task_id_for(received.complaint_id),
        fill,
        cause=envelope,
        create=lambda: empty_sheet(received.complaint_id, received.estate_id, now),
    )
    if router is not None:  # the decision came first and the task went to a staff member it is about
        task = await route_away(repo, router, task, now)
    return task


async def on_triaged(
    envelope: Envelope,
    triaged: ComplaintTriaged,
    repo: TaskRepository,
    router: Router,
    now: datetime,
    cap_seconds: float | None,
) -> Task:
    """Assign on the first accepted decision; a later revision of the decision than the stored one
    decides (a supervisor's review that overtook the original), an older one changes nothing."""
    task_id = task_id_for(triaged.complaint_id)
    current = await repo.get(task_id)
    if current is not None and current.seen(envelope.id):  # a redelivery: nothing to route
        return current
    probe = current or empty_sheet(triaged.complaint_id, triaged.estate_id, now)
    _apply_triage(probe, triaged, now, cap_seconds)
    assignee = await router.route(routing_request(probe, now)) if triaged.decision == "accepted" else None

    def decide(task: Task) -> None:
        if task.status not in ("awaiting_triage", "not_dispatched") or triaged.revision < task.triage_revision:
            task.log(now, SERVICE, "triage_ignored", f"revision {triaged.revision}: {triaged.decision}")
            return
        _apply_triage(task, triaged, now, cap_seconds)
        if assignee is not None:
            task.created_at = task.created_at or now
            actions.assign(task, assignee, SERVICE, now, reason=assignee.reason, reassigned=False)
        elif triaged.decision == "rejected":
            task.status = "not_dispatched"

    task, _ = await change(
        repo, task_id, decide, cause=envelope, create=lambda: empty_sheet(triaged.complaint_id, triaged.estate_id, now)
    )
    if task.parent_task_id and task.incident_id:
        await adopt(repo, task.parent_task_id, task.id)
    return task


async def adopt(repo: TaskRepository, parent_id: str, child_id: str) -> None:
    """A complaint that joined a group incident after it was declared becomes a child of its parent."""

    def add(parent: Task) -> None:
        if child_id not in parent.child_task_ids:
            parent.child_task_ids = sorted([*parent.child_task_ids, child_id])

    parent = await repo.get(parent_id)
    if parent is not None and child_id not in parent.child_task_ids:
        await change(repo, parent_id, add)


def _apply_triage(task: Task, triaged: ComplaintTriaged, now: datetime, cap_seconds: float | None) -> None:
    d = triaged.deadlines
    proposal = triaged.proposal
    task.triage_revision = triaged.revision
    task.category, task.urgency, task.scope = triaged.category, triaged.urgency, triaged.scope
    task.emotional = triaged.emotional
    task.grade = proposal.grade if proposal else None
    task.due_at = task_deadline(d.resolve_by, d.onsite_by, now, cap_seconds)

    def capped(due: datetime | None) -> datetime | None:  # the demo/test knob caps every stage alike
        return None if due is None else min(due, task.due_at) if cap_seconds is not None else due

    task.deadlines = StageDeadlines(
        dispatch_by=capped(d.dispatch_by),
        onsite_by=capped(d.onsite_by),
        resolve_by=capped(d.resolve_by),
        reply_by=capped(proposal.reply_by) if proposal else None,
    )
    links = {"duplicate_of": triaged.duplicate_of, "related_to": triaged.related_to, "incident_id": triaged.incident_id}
    task.links = {k: v for k, v in links.items() if v}
    if triaged.incident_id:
        task.incident_id = triaged.incident_id
        task.parent_task_id = task.parent_task_id or f"T-{triaged.incident_id}"


async def on_withdrawn(envelope: Envelope, withdrawn: ComplaintWithdrawn, repo: TaskRepository, now: datetime) -> Task:
    """The owner withdrew the item: stop its task and every open sub-task of it, or make sure none
    is assigned later (the withdrawal may come first: the empty sheet is cancelled)."""
    task, _ = await change(
        repo,
        task_id_for(withdrawn.complaint_id),
        lambda task: actions.cancel(task, withdrawn.withdrawn_by, now, withdrawn.reason),
        cause=envelope,
        create=lambda: empty_sheet(withdrawn.complaint_id, withdrawn.estate_id, now),
    )
    await cancel_subtasks(repo, task, withdrawn.withdrawn_by, now, withdrawn.reason, cause=envelope)
    return task
