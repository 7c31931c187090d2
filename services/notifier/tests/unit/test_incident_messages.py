"""Group-incident escalation and broadcast, non-acceptance with referral; each owner told once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from pm_common.events import ComplaintTriaged, Deadlines, TaskCompleted, new_event
from pm_common.events.payloads import GroupIncidentDeclared, GroupIncidentResolved
from pm_common.testing.fakes import InMemoryStore
from pm_notifier.service_layer import handlers

pytestmark = pytest.mark.unit
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


FakeRepo = InMemoryStore


async def test_incident_escalates_to_service_centre_head_and_leadership() -> None:
    declared = GroupIncidentDeclared(
        incident_id="INC-1",
        estate_id="SUNNY",
        fault_key="SUNNY|3号楼/电梯|engineering",
        place="3号楼/电梯",
        category="engineering",
        window_start=NOW,
        window_end=NOW,
        threshold=3,
        complaint_ids=("a", "b", "c"),
        declared_at=NOW,
    )
    repo = FakeRepo()
    envelope = new_event(declared, source="pm/triage", estate_id="SUNNY")
    assert await handlers.notify(envelope, declared, repo, NOW)
    assert not await handlers.notify(envelope, declared, repo, NOW)
    assert sorted(d["recipient_role"] for d in repo.docs.values()) == ["company", "project_manager"]
    assert all("群诉" in d["message_zh"] for d in repo.docs.values())
    # about the incident, not a complaint: the incident id is never stored as a complaint id
    assert all(d["incident_id"] == "INC-1" and d["complaint_id"] == "a" for d in repo.docs.values())
    announced = [e for e in repo.events if e.type == "feedback.sent"]
    assert len(announced) == 2 and all(e.data["incident_id"] == "INC-1" for e in announced)
    assert {e.subject for e in announced} == set(repo.docs)  # subject = the notification (aggregate) id
    assert all(e.complaintid == "a" for e in announced)


async def test_one_broadcast_per_owner_even_when_the_closed_task_is_reported_too() -> None:
    resolved = GroupIncidentResolved(
        incident_id="INC-1",
        estate_id="SUNNY",
        complaint_ids=("a", "b"),
        answer_zh="电梯主板已更换",
        resolved_by="sup-1",
        resolved_at=NOW,
    )
    repo = FakeRepo()
    resolved_env = new_event(resolved, source="pm/triage", estate_id="SUNNY")
    done = TaskCompleted(
        task_id="T-a", complaint_id="a", estate_id="SUNNY", result_summary="电梯主板已更换", completed_at=NOW
    )
    done_env = new_event(done, source="pm/dispatch", estate_id="SUNNY", cause=resolved_env)
    assert await handlers.notify(done_env, done, repo, NOW)  # the closed task may arrive first
    assert await handlers.notify(resolved_env, resolved, repo, NOW)  # only b is new
    owners = [d for d in repo.docs.values() if d["recipient_role"] == "owner"]
    assert sorted(d["complaint_id"] for d in owners) == ["a", "b"]
    assert all("电梯主板已更换" in d["message_zh"] for d in owners)
    ordinary = TaskCompleted(
        task_id="T-z", complaint_id="z", estate_id="SUNNY", result_summary="已修", completed_at=NOW
    )
    assert await handlers.notify(new_event(ordinary, source="d", estate_id="SUNNY"), ordinary, repo, NOW)


async def test_non_acceptance_tells_the_reason_and_whom_to_contact() -> None:
    rejected = ComplaintTriaged(
        complaint_id="c1",
        estate_id="SUNNY",
        decision="rejected",
        category="other",
        urgency="general",
        scope="unit",
        confidence=0.9,
        rejection_reason="outside_duties",
        referral="宽带问题请联系所用运营商客服",
        triaged_at=NOW,
        deadlines=Deadlines(dispatch_by=NOW, resolve_by=NOW + timedelta(days=1)),
    )
    repo = FakeRepo()
    await handlers.notify(new_event(rejected, source="t", estate_id="SUNNY"), rejected, repo, NOW)
    (doc,) = repo.docs.values()
    assert (
        "不属于物业服务范围" in doc["message_zh"] and "运营商" in doc["message_zh"] and doc["recipient_role"] == "owner"
    )
    review = rejected.model_copy(update={"decision": "needs_review"})
    assert handlers.outgoing_for(new_event(review, source="t", estate_id="SUNNY"), review) == []
