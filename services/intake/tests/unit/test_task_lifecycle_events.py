"""The register follows the complaint's own task through dispatch's lifecycle events, and ignores
its sub-tasks and a group incident's parent task."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from intake_fakes import FakeRepo

from pm_common.events import new_event
from pm_common.events.payloads import TaskAssigned
from pm_common.events.task_lifecycle import TaskClosed, TaskProgressNoted, TaskReopened, TaskResolved
from pm_intake.domain.model import Registration
from pm_intake.service_layer import handlers
from pm_intake.service_layer.policy import IntakePolicy

pytestmark = pytest.mark.unit
NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
POLICY = IntakePolicy(owner_secret="s" * 32)
DESK = handlers.Filer("desk-1", "staff:desk-1", handlers.Submitter(False))


async def apply(repo: FakeRepo, payload) -> None:  # type: ignore[no-untyped-def]
    await handlers.on_downstream_event(new_event(payload, source="pm/dispatch", estate_id="SUNNY"), payload, repo)


async def test_own_task_steps_reach_the_timeline_others_do_not() -> None:
    repo = FakeRepo()
    registration = Registration.model_validate({"estate_id": "SUNNY", "channel": "app", "content": "3号楼电梯坏了"})
    cid = (await handlers.register(registration, DESK, repo, POLICY, NOW)).complaint_id
    own, base = f"T-{cid}", {"complaint_id": cid, "estate_id": "SUNNY", "actor_id": "h-1", "at": NOW}
    assigned = {"complaint_id": cid, "estate_id": "SUNNY", "category": "engineering", "urgency": "general"}
    assigned |= {"due_at": NOW, "assigned_at": NOW}
    await apply(repo, TaskAssigned(task_id=own, department="engineering", **assigned))
    await apply(repo, TaskAssigned(task_id=f"{own}-1", department="security", parent_task_id=own, **assigned))
    await apply(repo, TaskAssigned(task_id="T-INC-1", department="customer_service", **assigned))
    assert repo.docs[cid]["department"] == "engineering" and repo.docs[cid]["task_id"] == own
    await apply(repo, TaskProgressNoted(task_id=own, note_zh="师傅已到场", **base))
    await apply(repo, TaskResolved(task_id=f"{own}-1", handling_mode="rectification", result_summary="子任务", **base))
    assert repo.docs[cid]["status"] == "in_progress"
    await apply(repo, TaskResolved(task_id=own, handling_mode="rectification", result_summary="已修好", **base))
    assert repo.docs[cid]["status"] == "done"
    await apply(repo, TaskReopened(task_id=own, reason="业主不满意", **base))
    assert repo.docs[cid]["status"] == "in_progress"
    await apply(repo, TaskResolved(task_id=own, handling_mode="rectification", result_summary="再次修好", **base))
    await apply(repo, TaskClosed(task_id=own, outcome="satisfied", **base))
    doc = repo.docs[cid]
    assert doc["status"] == "closed"
    kinds = [t["kind"] for t in doc["timeline"]]
    assert kinds == ["received", "assigned", "progress", "result", "reopened", "result", "closed"]
    assert all(t["visibility"] == "owner" for t in doc["timeline"])


async def test_a_reopening_after_the_closure_reopens_the_item_a_late_earlier_one_does_not() -> None:
    """Dispatch lets a supervisor reopen a closed task: the register follows (in progress, no longer
    archived). task.closed and task.reopened are different topics, so a copy of an earlier round's
    reopening may arrive after the closure: the event's time decides, not the arrival."""
    repo = FakeRepo()
    registration = Registration.model_validate({"estate_id": "SUNNY", "channel": "app", "content": "3号楼电梯坏了"})
    cid = (await handlers.register(registration, DESK, repo, POLICY, NOW)).complaint_id
    own, base = f"T-{cid}", {"complaint_id": cid, "estate_id": "SUNNY", "actor_id": "sup-1", "at": NOW}

    async def at(payload, hours: int) -> None:  # type: ignore[no-untyped-def]
        when = NOW + timedelta(hours=hours)
        envelope = new_event(payload, source="pm/dispatch", estate_id="SUNNY", now=when)
        await handlers.on_downstream_event(envelope, payload, repo)

    await at(TaskResolved(task_id=own, handling_mode="explanation", result_summary="已解释", **base), 1)
    await at(TaskClosed(task_id=own, outcome="satisfied", **base), 3)
    await at(TaskReopened(task_id=own, reason="第一轮不满意（迟到的副本）", **base), 2)
    doc = repo.docs[cid]
    assert doc["status"] == "closed" and doc["archived_at"] is not None
    await at(TaskReopened(task_id=own, reason="主管复查：问题仍在", **base), 5)
    doc = repo.docs[cid]
    assert doc["status"] == "in_progress" and doc["archived_at"] is None and doc["closed_outcome"] is None
    assert doc["timeline"][-1]["kind"] == "reopened" and doc["timeline"][-1]["visibility"] == "owner"
    await at(TaskClosed(task_id=own, outcome="satisfied", **base), 8)
    assert repo.docs[cid]["status"] == "closed"
