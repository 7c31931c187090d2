"""The task sheet from intake's and triage's events: order-safe, idempotent, withdrawn-safe."""

from __future__ import annotations

import pytest
from dispatch_fakes import NOW, FakeRepo, FakeRouter, received, triaged

from pm_common.events import new_event
from pm_common.events.payloads import ComplaintWithdrawn, TriageProposal
from pm_dispatch.service_layer import sheets

pytestmark = pytest.mark.unit


@pytest.mark.parametrize("received_first", [True, False])
async def test_sheet_has_content_and_decision_whichever_event_comes_first(received_first: bool) -> None:
    repo, router = FakeRepo(), FakeRouter({"cleaning_greening": "cl-1"})
    rec, tri = received(), triaged()
    if received_first:
        await sheets.on_received(*rec, repo, NOW)
        assert repo.docs["T-c1"]["status"] == "awaiting_triage" and repo.events == []
    await sheets.on_triaged(*tri, repo, router, NOW, None)
    if not received_first:
        await sheets.on_received(*rec, repo, NOW)
    task = await repo.get("T-c1")
    assert task is not None and task.status == "assigned"
    assert task.content == "3号楼大堂地面很脏" and task.location.area == "大堂" and task.matter == "环境卫生"
    assert task.owner_contact_masked == "138****1234" and task.evidence_ids == ["ev-1"]
    assert (
        task.assignee is not None and task.assignee.person_id == "cl-1" and task.assignee.contact_kind == "staff_mobile"
    )
    assert repo.types() == ["task.assigned"]
    assigned = repo.events[0]
    assert assigned.schemaversion == 2 and assigned.causationid == tri[0].id
    assert assigned.data["assignee"]["person_id"] == "cl-1" and assigned.data["reassigned"] is False
    assert assigned.data["deadlines"]["resolve_by"] is not None
    # redeliveries change nothing
    await sheets.on_triaged(*tri, repo, router, NOW, None)
    await sheets.on_received(*rec, repo, NOW)
    assert repo.types() == ["task.assigned"] and len(router.requests) <= 3


async def test_grade_emotional_flag_and_reply_clock_reach_the_sheet() -> None:
    repo = FakeRepo()
    proposal = TriageProposal(
        grade="major", grade_evidence=("media_or_government:12345",), reply_by=NOW, handled_by=NOW
    )
    env, payload = triaged(emotional=True, proposal=proposal)
    task = await sheets.on_triaged(env, payload, repo, FakeRouter(), NOW, None)
    assert task.grade == "major" and task.emotional and task.deadlines.reply_by == NOW
    assert repo.events[0].data["grade"] == "major"


async def test_rejected_or_overtaken_decisions_assign_nothing() -> None:
    repo, router = FakeRepo(), FakeRouter()
    await sheets.on_triaged(*triaged(decision="rejected"), repo, router, NOW, None)
    assert repo.docs["T-c1"]["status"] == "not_dispatched" and repo.events == []
    # a supervisor's "not ours" (revision 2) overtakes the original "accepted" (revision 1)
    await sheets.on_triaged(*triaged("c2", decision="rejected", revision=2), repo, router, NOW, None)
    await sheets.on_triaged(*triaged("c2"), repo, router, NOW, None)
    assert repo.docs["T-c2"]["status"] == "not_dispatched" and repo.events == []
    # needs review first, then the supervisor accepts (revision 2)
    await sheets.on_triaged(*triaged("c3", decision="needs_review"), repo, router, NOW, None)
    await sheets.on_triaged(*triaged("c3", revision=2), repo, router, NOW, None)
    assert repo.docs["T-c3"]["status"] == "assigned" and repo.types() == ["task.assigned"]


def withdrawal(cid: str = "c1") -> tuple:  # type: ignore[type-arg]
    payload = ComplaintWithdrawn(
        complaint_id=cid, reference_no="SUNNY-20261123-0001", estate_id="SUNNY", reason="已自行解决", withdrawn_at=NOW
    )
    return new_event(payload, source="pm/intake", estate_id="SUNNY"), payload


async def test_withdrawal_cancels_once_and_before_dispatch_prevents_the_task() -> None:
    repo, router = FakeRepo(), FakeRouter()
    await sheets.on_triaged(*triaged(), repo, router, NOW, None)
    env, payload = withdrawal()
    await sheets.on_withdrawn(env, payload, repo, NOW)
    await sheets.on_withdrawn(env, payload, repo, NOW)
    assert repo.types() == ["task.assigned", "task.cancelled"] and repo.events[-1].data["note"] == "已自行解决"
    await sheets.on_withdrawn(*withdrawal("c9"), repo, NOW)
    await sheets.on_triaged(*triaged("c9"), repo, router, NOW, None)
    assert repo.docs["T-c9"]["status"] == "cancelled" and repo.types() == ["task.assigned", "task.cancelled"]


async def test_urgent_task_is_due_on_site_and_the_cap_applies() -> None:
    repo = FakeRepo()
    task = await sheets.on_triaged(*triaged(urgency="urgent", category="engineering"), repo, FakeRouter(), NOW, None)
    assert task.due_at == task.deadlines.onsite_by
    capped = await sheets.on_triaged(*triaged("c2"), repo, FakeRouter(), NOW, 5)
    assert capped.due_at is not None and (capped.due_at - NOW).total_seconds() == 5


async def test_items_answered_at_intake_get_no_sheet() -> None:
    repo = FakeRepo()
    env, payload = received("c5")
    payload = payload.model_copy(update={"resolved_at_intake": True, "intake_answer": "可以用支付宝"})
    assert await sheets.on_received(env, payload, repo, NOW) is None
    assert repo.docs == {} and repo.events == []
