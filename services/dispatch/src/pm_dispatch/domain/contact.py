"""The owner's contact for the assignee: masked on the sheet, revealed only when the task needs it.

Intake owns personal data; dispatch decides *whether* the person asking may have it for this task
(``require_contact_need``) and records every attempt on the task (``record``); intake then answers
its service identity with the phone only and audits the lookup with the acting person and the task.

Named rules, in the order they are checked:
1. only the task's current assignee (the person or contractor it is assigned to) — nobody else,
   not even a supervisor (who reveals through intake's audited ``/reveal`` instead);
2. never for an anonymous item;
3. only while the task is open (assigned … paused), not once it is resolved, closed or cancelled;
4. only when the task needs the owner: an agreed visit (``appointment_at`` set) or an item that
   must be handled on site (urgent items and repairs: ``lifecycle.needs_check_in``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pm_dispatch.domain import lifecycle as lc
from pm_dispatch.domain.access import Actor
from pm_dispatch.domain.errors import NotPermitted, RuleViolated
from pm_dispatch.domain.task import ContactReveal, Task

APPOINTMENT = "appointment"
ON_SITE_VISIT = "on_site_visit"


def basis_of(task: Task) -> str | None:
    """Why this task needs the owner's contact, or ``None`` when it does not."""
    if task.appointment_at is not None:
        return APPOINTMENT
    if lc.needs_check_in(task):
        return ON_SITE_VISIT
    return None


def require_contact_need(actor: Actor, task: Task) -> str:
    """The basis of the reveal, or the domain error that refuses it."""
    if task.assignee is None or not task.assignee.is_actor(actor.id) or not actor.serves(task.estate_id):
        raise NotPermitted(
            "只有该任务单的承办人可以查看业主联系方式",
            "only the task's assignee may see the owner's contact",
        )
    if task.anonymous:
        raise RuleViolated("anonymous_owner", "匿名登记，不提供业主联系方式", "an anonymous item has no owner contact")
    if task.status not in lc.OPEN:
        raise RuleViolated("task_not_open", "任务单已办结或已撤销，不再提供业主联系方式", "the task is no longer open")
    basis = basis_of(task)
    if basis is None:
        raise RuleViolated(
            "contact_not_needed",
            "该任务无预约上门、也无需到场处理，不提供业主联系方式（如需联系请由客服回访）",
            "the task has no agreed visit and needs no on-site handling: the owner's contact is not given",
        )
    return basis


def record(
    task: Task,
    actor: Actor,
    at: datetime,
    purpose: str,
    *,
    basis: str | None,
    outcome: Literal["served", "refused", "unavailable"],
    refusal: str | None = None,
) -> None:
    """Keep the attempt on the task (its audit trail) and in the work log."""
    entry = ContactReveal(
        at=at, by=actor.id, role=actor.role, purpose=purpose, basis=basis, outcome=outcome, refusal=refusal
    )
    task.contact_reveals.append(entry)
    action = "owner_contact_revealed" if outcome == "served" else "owner_contact_refused"
    task.log(at, actor.id, action, f"{basis or refusal or outcome}: {purpose}")
