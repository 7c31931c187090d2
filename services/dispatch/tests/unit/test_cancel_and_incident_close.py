"""Withdrawal cancels the main task and every open sub-task (idempotent, order-safe); a group
incident's parent closes once all its children are closed (idempotent under redelivery)."""

from __future__ import annotations

import pytest
from dispatch_fakes import NOW, FakeRepo, FakeRouter, triaged
from test_coordination import SUP, declared, resolve_sub, visit
from test_sheets import withdrawal

from pm_common.events import Envelope, new_event
from pm_common.events.payloads import GroupIncidentResolved
from pm_dispatch.service_layer import coordination, feedback, handling, incident_close, sheets

pytestmark = pytest.mark.unit


async def _with_subtasks(repo: FakeRepo, router: FakeRouter) -> None:
    await sheets.on_triaged(*triaged(category="customer_service"), repo, router, NOW, None)
    for category in ("cleaning_greening", "security_order"):
        await coordination.add_subtask(
            repo, router, SUP, "T-c1", category=category, requirements=None, manual=None, coordinator_id=None, now=NOW
        )


async def test_withdrawal_cancels_the_main_task_and_every_open_subtask_once() -> None:
    repo, router = FakeRepo(), FakeRouter()
    await _with_subtasks(repo, router)
    await resolve_sub(repo, "T-c1-1", "已清理")  # resolved: not open any more, stays resolved
    env, payload = withdrawal()
    await sheets.on_withdrawn(env, payload, repo, NOW)
    await sheets.on_withdrawn(env, payload, repo, NOW)  # redelivery
    status = {t: (await repo.get(t)).status for t in ("T-c1", "T-c1-1", "T-c1-2")}  # type: ignore[union-attr]
    assert status == {"T-c1": "cancelled", "T-c1-1": "resolved", "T-c1-2": "cancelled"}
    cancelled = [e.subject for e in repo.events if e.type == "task.cancelled"]
    assert cancelled == ["T-c1", "T-c1-2"]
    assert all(e.data["reason"] == "withdrawn" for e in repo.events if e.type == "task.cancelled")


async def test_a_crash_between_main_and_subtasks_is_finished_by_the_redelivery() -> None:
    repo, router = FakeRepo(), FakeRouter()
    await _with_subtasks(repo, router)
    env, payload = withdrawal()
    real = sheets.cancel_subtasks

    async def crash(*args: object, **kwargs: object) -> list[str]:
        raise RuntimeError("killed after the main task's save")

    sheets.cancel_subtasks = crash  # type: ignore[assignment]
    try:
        with pytest.raises(RuntimeError):
            await sheets.on_withdrawn(env, payload, repo, NOW)
    finally:
        sheets.cancel_subtasks = real
    assert (await repo.get("T-c1-2")).status == "assigned"  # type: ignore[union-attr]
    await sheets.on_withdrawn(env, payload, repo, NOW)  # the redelivery after the restart
    assert [(await repo.get(t)).status for t in ("T-c1-1", "T-c1-2")] == ["cancelled", "cancelled"]  # type: ignore[union-attr]
    assert [e.subject for e in repo.events if e.type == "task.cancelled"] == ["T-c1", "T-c1-1", "T-c1-2"]


async def test_a_supervisor_cancel_stops_the_subtasks_and_a_late_subtask_follows_the_main_task() -> None:
    repo, router = FakeRepo(), FakeRouter()
    await _with_subtasks(repo, router)
    await handling.cancel(repo, SUP, "T-c1", "重复登记", NOW)
    assert [(await repo.get(t)).status for t in ("T-c1-1", "T-c1-2")] == ["cancelled", "cancelled"]  # type: ignore[union-attr]
    # a sub-task whose id was reserved before the cancel and which is stored after it
    repo2 = FakeRepo()
    await sheets.on_triaged(*triaged(category="customer_service"), repo2, router, NOW, None)
    real_add = repo2.add

    async def add_after_cancel(task, cause=None):  # type: ignore[no-untyped-def]
        await sheets.on_withdrawn(*withdrawal(), repo2, NOW)
        return await real_add(task, cause)

    repo2.add = add_after_cancel  # type: ignore[method-assign]
    sub = await coordination.add_subtask(
        repo2, router, SUP, "T-c1", category="engineering", requirements=None, manual=None, coordinator_id=None, now=NOW
    )
    assert sub.status == "cancelled" and (await repo2.get("T-c1-1")).status == "cancelled"  # type: ignore[union-attr]


def _closed_events(repo: FakeRepo) -> list[Envelope]:
    return [e for e in repo.events if e.type == "task.closed"]


async def test_the_incident_parent_closes_when_all_children_are_closed_once() -> None:
    repo, router = FakeRepo(), FakeRouter()
    for cid in ("a", "b", "c"):
        await sheets.on_triaged(*triaged(cid, category="engineering"), repo, router, NOW, None)
    inc = declared()
    await coordination.on_incident_declared(
        new_event(inc, source="pm/triage", estate_id="SUNNY"), inc, repo, router, NOW
    )
    resolved = GroupIncidentResolved(
        incident_id="INC-1", estate_id="SUNNY", complaint_ids=("a", "b", "c"), answer_zh="已修复",
        resolved_by="sup-1", resolved_at=NOW,
    )  # fmt: skip
    await coordination.on_incident_resolved(
        new_event(resolved, source="pm/triage", estate_id="SUNNY"), resolved, repo, NOW
    )
    await sheets.on_withdrawn(*withdrawal("c"), repo, NOW)  # resolved: a withdrawal no longer cancels it
    for n, cid in enumerate(("a", "b", "c")):
        await feedback.on_return_visit(*visit(cid, "satisfied"), repo, router, NOW)
        closed = _closed_events(repo)[-1]
        assert closed.subject == f"T-{cid}"
        parent = await incident_close.on_child_over(closed, closed.subject or "", repo, NOW)
        assert parent is not None and parent.status == ("closed" if n == 2 else "resolved")
    assert parent.closed_outcome == "satisfied"
    assert [e.subject for e in _closed_events(repo)][-1] == "T-INC-1"
    before = len(repo.events)
    for e in _closed_events(repo):  # every child's (and the parent's own) task.closed redelivered
        await incident_close.on_child_over(e, e.subject or "", repo, NOW)
    assert len(repo.events) == before and [e.action for e in parent.work_log].count("closed") == 1


async def test_an_open_parent_is_resolved_then_closed_and_all_withdrawn_cancels_it() -> None:
    repo, router = FakeRepo(), FakeRouter()
    for cid in ("a", "b", "c"):
        await sheets.on_triaged(*triaged(cid, category="engineering"), repo, router, NOW, None)
    inc = declared()
    await coordination.on_incident_declared(
        new_event(inc, source="pm/triage", estate_id="SUNNY"), inc, repo, router, NOW
    )
    for cid in ("a", "b"):  # each child handled and closed on its own; the parent never resolved
        await handling.accept(repo, SUP, f"T-{cid}", NOW)
        await handling.check_in(repo, SUP, f"T-{cid}", [], NOW)
        await handling.resolve(
            repo, SUP, f"T-{cid}", mode="rectification", summary="修好", evidence=[], confirmation="S", now=NOW
        )
        await handling.close(repo, SUP, f"T-{cid}", NOW)
    await sheets.on_withdrawn(*withdrawal("c"), repo, NOW)
    last = [e for e in repo.events if e.type == "task.cancelled"][-1]
    parent = await incident_close.on_child_over(last, "T-c", repo, NOW)
    assert parent is not None and parent.status == "closed" and parent.closed_outcome == "closed_by_supervisor"
    assert parent.resolution is not None and parent.resolution.handling_mode == "coordination"
    assert incident_close.children_outcome([await repo.get("T-c")]) == "cancelled"  # type: ignore[list-item]


async def test_every_child_withdrawn_cancels_the_parent_as_withdrawn() -> None:
    repo, router = FakeRepo(), FakeRouter()
    for cid in ("a", "b", "c"):
        await sheets.on_triaged(*triaged(cid, category="engineering"), repo, router, NOW, None)
    inc = declared()
    await coordination.on_incident_declared(
        new_event(inc, source="pm/triage", estate_id="SUNNY"), inc, repo, router, NOW
    )
    parent = None
    for cid in ("a", "b", "c"):
        await sheets.on_withdrawn(*withdrawal(cid), repo, NOW)
        last = [e for e in repo.events if e.type == "task.cancelled" and e.subject == f"T-{cid}"][-1]
        parent = await incident_close.on_child_over(last, f"T-{cid}", repo, NOW)
        assert parent is not None and parent.status == ("cancelled" if cid == "c" else "assigned")
    mine = [e for e in repo.events if e.type == "task.cancelled" and e.subject == "T-INC-1"]
    assert len(mine) == 1 and mine[0].data["cancel_reason"] == "withdrawn" and mine[0].data["actor_id"] == "pm/dispatch"
