"""Use cases with the row-level rules: only the assignee (or a manager of the estate) works a task."""

from __future__ import annotations

from datetime import timedelta

import pytest
from dispatch_fakes import NOW, FakeRepo, FakeRouter, received, triaged

from pm_dispatch.domain.access import Actor
from pm_dispatch.domain.assignment import Assignee
from pm_dispatch.domain.errors import NotPermitted, TaskNotFound
from pm_dispatch.service_layer import handling, sheets

pytestmark = pytest.mark.unit
HANDLER = Actor("eng-1", "handler", ("SUNNY",))
OTHER = Actor("eng-2", "handler", ("SUNNY",))
SUP = Actor("sup-1", "supervisor", ("SUNNY",))
DESK = Actor("desk-1", "front_desk", ("SUNNY",))
ELSEWHERE = Actor("sup-9", "supervisor", ("MOON",))


async def repair(repo: FakeRepo, router: FakeRouter) -> str:
    await sheets.on_received(*received(content="厨房水管漏水"), repo, NOW)
    await sheets.on_triaged(*triaged(category="engineering"), repo, router, NOW, None)
    return "T-c1"


async def test_only_the_assignee_or_a_manager_acts_and_others_cannot_even_see() -> None:
    repo, router = FakeRepo(), FakeRouter({"engineering": "eng-1"})
    tid = await repair(repo, router)
    with pytest.raises(NotPermitted):
        await handling.accept(repo, OTHER, tid, NOW)
    with pytest.raises(TaskNotFound):
        await handling.visible_task(repo, OTHER, tid)
    with pytest.raises(TaskNotFound):
        await handling.accept(repo, ELSEWHERE, tid, NOW)
    task = await handling.accept(repo, HANDLER, tid, NOW)
    assert task.status == "accepted" and (await handling.visible_task(repo, DESK, tid)).status == "accepted"


async def test_a_repair_walks_to_resolved_and_verified() -> None:
    repo, router = FakeRepo(), FakeRouter({"engineering": "eng-1"})
    tid = await repair(repo, router)
    await handling.accept(repo, HANDLER, tid, NOW)
    await handling.set_appointment(repo, HANDLER, tid, NOW + timedelta(hours=3), NOW)
    await handling.check_in(repo, HANDLER, tid, ["ev-arrive"], NOW + timedelta(hours=3))
    await handling.start(repo, HANDLER, tid, NOW + timedelta(hours=3))
    await handling.resolve(
        repo,
        HANDLER,
        tid,
        mode="rectification",
        summary="更换水管接头",
        evidence=["ev-done"],
        confirmation="SIGN-1",
        now=NOW,
    )
    with pytest.raises(TaskNotFound):  # another estate's staff: the task does not exist for them
        await handling.verify(repo, ELSEWHERE, tid, None, NOW)
    task = await handling.verify(repo, DESK, tid, "已电话确认", NOW)
    assert task.status == "verified"
    assert repo.types() == [
        "task.assigned",
        "task.accepted",
        "task.appointment_set",
        "task.on_site",
        "task.resolved",
        "task.verified",
    ]
    assert [e.action for e in task.work_log] == [
        "assigned",
        "accepted",
        "appointment_set",
        "on_site",
        "started",
        "resolved",
        "verified",
    ]
    assert (
        task.work_log[3].evidence_ids == ["ev-arrive"]
        and task.resolution
        and task.resolution.owner_confirmation_ref == "SIGN-1"
    )


async def test_return_reroutes_away_from_the_returner_and_reassign_is_always_possible() -> None:
    repo, router = FakeRepo(), FakeRouter({"engineering": "eng-1"})
    tid = await repair(repo, router)
    task = await handling.return_task(repo, router, HANDLER, tid, "wrong_department", "属于维保单位", NOW)
    assert task.status == "assigned" and task.assignee and task.assignee.kind == "team"
    assert router.requests[-1].exclude == ("eng-1",) and task.returns[0]["reason_code"] == "wrong_department"
    assert repo.types()[-2:] == ["task.returned", "task.assigned"] and repo.events[-1].data["reassigned"] is True
    manual = Assignee(kind="contractor", department="engineering", contractor_id="lift-co", reason="manual")
    task = await handling.reassign(repo, router, SUP, tid, manual, "电梯维保单位负责", NOW)
    assert (
        task.assignee and task.assignee.contractor_id == "lift-co" and task.assignee.contact_kind == "contractor_line"
    )
    assert repo.events[-1].data["reason"] == "电梯维保单位负责"
    contractor = Actor("lift-co", "contractor", ("SUNNY",))
    assert (await handling.accept(repo, contractor, tid, NOW)).status == "accepted"
    paused = await handling.pause(repo, contractor, tid, "parts", "等配件", NOW)
    assert paused.status == "paused"
    moved = await handling.reassign(repo, router, SUP, tid, None, "改回工程部", NOW)
    assert moved.status == "assigned" and moved.open_pause is None
