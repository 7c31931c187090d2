"""A group incident's parent task ``T-<incident>`` closes when all its children are over.

Runs on dispatch's own ``task.closed`` / ``task.cancelled`` events of a child (at-least-once, so a
crash between a child's save and this check is repaired by the redelivery). When every existing
child is over (closed, cancelled or not dispatched) and at least one was closed, the parent is
closed — resolved first, "with its children", if it was still open — with the children's outcome
(every child satisfied → ``satisfied``; any unanswered → ``no_response``; any closed by a
supervisor → ``closed_by_supervisor``). When every child was cancelled, the parent is cancelled.
Idempotent: a parent already closed or cancelled is left as it is; a redelivered event finds it so.
"""

from __future__ import annotations

from datetime import datetime

from pm_common.events import Envelope
from pm_common.events.payloads import CancelReason
from pm_dispatch.domain import actions
from pm_dispatch.domain import lifecycle as lc
from pm_dispatch.domain.task import Task
from pm_dispatch.service_layer.ports import TaskRepository
from pm_dispatch.service_layer.unit import change

SERVICE = "pm/dispatch"
OVER = frozenset({"closed", "cancelled", "not_dispatched"})
_RANK = {"satisfied": 0, "no_response": 1, "closed_by_supervisor": 2}


def children_outcome(children: list[Task]) -> str | None:
    """``None`` while a child is still open; ``"cancelled"`` when none was closed; else the outcome."""
    if not children or any(c.status not in OVER for c in children):
        return None
    outcomes = [c.closed_outcome or "closed_by_supervisor" for c in children if c.status == "closed"]
    if not outcomes:
        return "cancelled"
    return max(outcomes, key=lambda o: _RANK.get(o, 2))


def _close(parent: Task, outcome: str, child_id: str, now: datetime, reason: CancelReason = "withdrawn") -> bool:
    if parent.status in ("closed", "cancelled"):
        return False
    if outcome == "cancelled":
        note = "所有关联投诉均已撤销 / every linked complaint was cancelled"
        return actions.cancel(parent, SERVICE, now, note, reason=reason)
    if parent.status in lc.OPEN:
        summary = "所有关联投诉均已办结并关闭 / every linked complaint was handled and closed"
        actions.resolve_linked(parent, SERVICE, now, with_task=child_id, mode="coordination", summary=summary)
    if not lc.allowed(parent.status, "close"):
        return False
    actions.close(parent, SERVICE, now, outcome)
    return True


async def on_child_over(envelope: Envelope, task_id: str, repo: TaskRepository, now: datetime) -> Task | None:
    """A task closed or was cancelled: if it is a group incident's child, maybe close the parent.
    Once the parent is over, a later child event is only recorded on it (``processed``)."""
    child = await repo.get(task_id)
    if child is None or not child.parent_task_id or not child.incident_id:
        return None
    parent = await repo.get(child.parent_task_id)
    if parent is None or parent.kind != "incident":
        return parent
    children = [c for c in [await repo.get(cid) for cid in parent.child_task_ids] if c is not None]
    outcome = children_outcome(children)
    if outcome is None and parent.status not in ("closed", "cancelled"):
        return parent
    # all children withdrawn by their owners: the parent is withdrawn too; otherwise "other" (with the note)
    withdrawn = all(c.cancel_reason in (None, "withdrawn") for c in children if c.status == "cancelled")
    reason: CancelReason = "withdrawn" if withdrawn else "supervisor_other"
    saved, _ = await change(
        repo, parent.id, lambda p: outcome is not None and _close(p, outcome, child.id, now, reason), cause=envelope
    )
    return saved
