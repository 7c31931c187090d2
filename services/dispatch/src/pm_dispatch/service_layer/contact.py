"""The assignee's request for the owner's contact (``domain/contact.py`` has the rules).

Least privilege: dispatch never stores the contact. It checks the row-level rule on the task, asks
intake with its own service identity naming the acting person and the task (intake audits the
lookup and answers the phone only), records the attempt on the task, and only then hands the
phone back. Refusals by the rules are recorded too; callers who cannot see the task get a 404 and
leave no trace on it (nothing of the task is disclosed to them)."""

from __future__ import annotations

from datetime import datetime

from pm_dispatch.domain import contact
from pm_dispatch.domain.access import Actor
from pm_dispatch.domain.errors import DomainError, NotPermitted, RuleViolated
from pm_dispatch.domain.task import ContactReveal, Task
from pm_dispatch.service_layer.handling import visible_task
from pm_dispatch.service_layer.ports import OwnerContact, OwnerContacts, TaskRepository
from pm_dispatch.service_layer.unit import change


async def reveal_owner_contact(
    repo: TaskRepository, contacts: OwnerContacts, actor: Actor, task_id: str, purpose: str, now: datetime
) -> tuple[Task, OwnerContact, ContactReveal]:
    task = await visible_task(repo, actor, task_id)
    try:
        basis = contact.require_contact_need(actor, task)
    except (NotPermitted, RuleViolated) as refused:
        rule = refused.rule if isinstance(refused, RuleViolated) else "not_assignee"
        await change(
            repo, task_id, lambda t: contact.record(t, actor, now, purpose, basis=None, outcome="refused", refusal=rule)
        )
        raise
    try:
        answer = await contacts.for_task(task.complaint_id, task.estate_id, task.id, actor.id, purpose)
    except DomainError:
        await change(
            repo, task_id, lambda t: contact.record(t, actor, now, purpose, basis=basis, outcome="unavailable")
        )
        raise
    if answer is None or answer.anonymous or not answer.phone:
        await change(
            repo,
            task_id,
            lambda t: contact.record(t, actor, now, purpose, basis=basis, outcome="refused", refusal="no_contact"),
        )
        raise RuleViolated("no_contact", "该登记未留业主联系方式", "the item has no owner contact")

    def served(t: Task) -> ContactReveal:
        contact.record(t, actor, now, purpose, basis=basis, outcome="served")
        return t.contact_reveals[-1]

    saved, entry = await change(repo, task_id, served)
    if entry is None:  # cannot happen: ``served`` always returns the entry it appended
        raise RuleViolated("not_recorded", "审计记录未写入", "the reveal was not recorded")
    return saved, answer, entry


async def reveals(repo: TaskRepository, actor: Actor, task_id: str) -> list[ContactReveal]:
    """The reveal trail of one task, for supervisors of its estate."""
    return list((await visible_task(repo, actor, task_id)).contact_reveals)
