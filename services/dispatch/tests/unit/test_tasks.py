"""Dispatch handlers with an in-memory repository."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from pm_common.events import ComplaintTriaged, Deadlines, Envelope, new_event
from pm_common.events.payloads import ComplaintWithdrawn, TriageProposal
from pm_common.testing.fakes import InMemoryStore
from pm_dispatch.domain.model import department_for, task_deadline
from pm_dispatch.service_layer import handlers

pytestmark = pytest.mark.unit
NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)


class FakeRepo(InMemoryStore):
    async def complete(self, task_id: str, update: dict[str, Any], event: Envelope) -> bool:
        return await self.update_unless(task_id, ("done", "withdrawn"), update, event)

    withdraw = complete
    tombstone_once = InMemoryStore.add_once


def triaged(decision: str = "accepted", urgency: str = "general") -> tuple[Envelope, ComplaintTriaged]:
    payload = ComplaintTriaged(
        complaint_id="c1",
        estate_id="SUNNY",
        decision=decision,
        category="cleaning_greening",
        urgency=urgency,
        scope="building",
        confidence=0.9,
        triaged_at=NOW,
        deadlines=Deadlines(
            dispatch_by=NOW + timedelta(days=1),
            resolve_by=NOW + timedelta(days=3),
            onsite_by=NOW + timedelta(hours=2) if urgency == "urgent" else None,
        ),
    )
    return new_event(payload, source="t", estate_id="SUNNY"), payload


async def test_one_task_per_complaint_even_when_redelivered() -> None:
    repo = FakeRepo()
    envelope, payload = triaged()
    assert await handlers.create_task(envelope, payload, repo, NOW, None)
    assert not await handlers.create_task(envelope, payload, repo, NOW, None)
    task = repo.docs["T-c1"]
    assert task["department"] == "cleaning_greening" and task["due_at"] == NOW + timedelta(days=3)
    assert repo.events[0].causationid == envelope.id


async def test_task_sheet_carries_the_emotional_flag_and_the_grade() -> None:
    repo = FakeRepo()
    envelope, payload = triaged()
    proposal = TriageProposal(
        grade="major", grade_evidence=("media_or_government:12345",), reply_by=NOW, handled_by=NOW
    )
    payload = payload.model_copy(update={"emotional": True, "proposal": proposal})
    assert await handlers.create_task(envelope, payload, repo, NOW, None)
    task = repo.docs["T-c1"]
    assert task["emotional"] is True and task["grade"] == "major" and task["grade_reply_by"] == NOW


async def test_rejected_complaints_get_no_task() -> None:
    repo = FakeRepo()
    assert not await handlers.create_task(*triaged("rejected"), repo, NOW, None)
    assert repo.docs == {}


async def test_a_review_that_overtakes_the_original_triage_decides() -> None:
    """The supervisor's "not ours" (revision 2) arrives before the original "accepted" (revision 1):
    no task is created, then or later."""
    repo = FakeRepo()
    envelope, original = triaged()
    review = original.model_copy(update={"decision": "rejected", "revision": 2})
    assert not await handlers.create_task(new_event(review, source="t", estate_id="SUNNY"), review, repo, NOW, None)
    assert not await handlers.create_task(envelope, original, repo, NOW, None)
    assert repo.docs["T-c1"]["status"] == "not_dispatched" and repo.events == []


def test_urgent_task_is_due_on_site_and_cap_applies() -> None:
    _, urgent = triaged(urgency="urgent")
    d = urgent.deadlines
    assert task_deadline(d.resolve_by, d.onsite_by, NOW, None) == NOW + timedelta(hours=2)
    assert task_deadline(d.resolve_by, d.onsite_by, NOW, 5) == NOW + timedelta(seconds=5)
    assert department_for("security_order") == "security" and department_for("unknown") == "customer_service"


async def test_complete_once() -> None:
    repo = FakeRepo()
    await handlers.create_task(*triaged(), repo, NOW, None)
    done = await handlers.complete_task("T-c1", "已清理", "h-1", repo, NOW)
    assert done["status"] == "done" and repo.events[-1].type == "task.completed"
    with pytest.raises(handlers.TaskAlreadyDone):
        await handlers.complete_task("T-c1", "again", "h-1", repo, NOW)
    with pytest.raises(handlers.TaskNotFound):
        await handlers.complete_task("T-x", "x", "h-1", repo, NOW)


def withdrawal() -> tuple[Envelope, ComplaintWithdrawn]:
    payload = ComplaintWithdrawn(
        complaint_id="c1", reference_no="SUNNY-20261123-0001", estate_id="SUNNY", reason="已自行解决", withdrawn_at=NOW
    )
    return new_event(payload, source="t", estate_id="SUNNY"), payload


async def test_withdrawal_cancels_an_open_task_once() -> None:
    repo = FakeRepo()
    await handlers.create_task(*triaged(), repo, NOW, None)
    assert await handlers.withdraw_task(*withdrawal(), repo, NOW)
    assert not await handlers.withdraw_task(*withdrawal(), repo, NOW)  # redelivery
    cancelled = repo.events[-1]
    assert cancelled.type == "task.cancelled" and cancelled.data["note"] == "已自行解决"
    assert repo.docs["T-c1"]["status"] == "withdrawn"
    with pytest.raises(handlers.TaskAlreadyDone):
        await handlers.complete_task("T-c1", "done anyway", "h-1", repo, NOW)


async def test_withdrawal_before_dispatch_prevents_the_task() -> None:
    repo = FakeRepo()
    assert await handlers.withdraw_task(*withdrawal(), repo, NOW)
    assert not await handlers.create_task(*triaged(), repo, NOW, None)
    assert repo.events == [] and repo.docs["T-c1"]["status"] == "withdrawn"
