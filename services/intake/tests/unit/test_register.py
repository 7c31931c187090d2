"""Registering on every channel with in-memory fakes: reference, masking, acknowledgement, anonymous,
idempotency, read-back drafts, on-the-spot closure, batches, downstream status."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from intake_fakes import FakeRepo

from pm_common import topics
from pm_common.events import new_event
from pm_common.events.payloads import ComplaintTriaged, Deadlines, TaskAssigned, TaskCompleted
from pm_intake.domain.channels import Submitter
from pm_intake.domain.errors import IdempotencyConflict, InvalidState, NotFound, UnknownEstate
from pm_intake.domain.identity import owner_key, token_hash
from pm_intake.domain.model import Registration, mask_email, mask_name, mask_phone, reference_number
from pm_intake.service_layer import handlers
from pm_intake.service_layer.policy import IntakePolicy

pytestmark = pytest.mark.unit
NOW = datetime(2026, 11, 22, 15, 30, tzinfo=UTC)  # 23:30 in Shanghai
POLICY = IntakePolicy(owner_secret="s" * 32)
DESK = handlers.Filer("desk-1", "staff:desk-1", Submitter(False))


def reg(**fields: Any) -> Registration:
    base: dict[str, Any] = {"estate_id": "SUNNY", "channel": "app", "content": "楼道灯不亮"}
    return Registration.model_validate({**base, **fields})


def test_masking_and_reference_format() -> None:
    assert mask_phone("13812341234") == "138****1234"
    assert mask_name("张三丰") == "张**"
    assert mask_email("zhangsan@example.com") == "z***@example.com"
    assert reference_number("SUNNY", "20261122", 42) == "SUNNY-20261122-0042"


async def test_register_acknowledges_with_local_day_reference_and_masked_event() -> None:
    repo = FakeRepo()
    item = reg(channel="phone", owner={"name": "李四", "phone": "13900001111"})
    ack = await handlers.register(item, DESK, repo, POLICY, NOW)
    assert ack.reference_no == "SUNNY-20261122-0001" and ack.status == "received"
    second = await handlers.register(item, DESK, repo, POLICY, NOW)
    assert second.reference_no == "SUNNY-20261122-0002"
    topic, event = repo.events[0]
    assert topic == topics.COMPLAINT_RECEIVED and event.data["owner_phone_masked"] == "139****1111"
    assert "13900001111" not in event.model_dump_json() and "李四" not in event.model_dump_json()
    assert "感谢" in ack.message and ack.next_contact_by is not None and ack.next_contact_by > NOW
    local = ack.next_contact_by.astimezone(ZoneInfo("Asia/Shanghai"))  # the estate's time in both languages
    assert f"{local:%m月%d日 %H:%M}" in ack.message and f"by {local:%Y-%m-%d %H:%M}." in ack.message_en
    doc = repo.docs[ack.complaint_id]
    assert doc["pii"] == {"name": "李四", "phone": "13900001111"}
    assert doc["registration"]["owner"]["phone"] == "139****1111"
    assert doc["owner_key"] == owner_key(POLICY.owner_secret, "139-0000-1111") and "tracking_hash" not in doc


async def test_anonymous_registration_stores_no_identity_and_returns_a_tracking_token() -> None:
    repo = FakeRepo()
    ack = await handlers.register(reg(channel="anonymous", content="保安夜里睡觉"), DESK, repo, POLICY, NOW)
    doc = repo.docs[ack.complaint_id]
    assert "owner" not in doc["registration"] and "pii" not in doc and "owner_key" not in doc
    assert ack.tracking_token and doc["tracking_hash"] == token_hash(ack.tracking_token)
    assert ack.tracking_token not in str(doc)
    assert repo.events[0][1].data["anonymous"] is True and repo.events[0][1].data["owner_name_masked"] is None


async def test_unknown_estate_is_refused() -> None:
    with pytest.raises(UnknownEstate):
        await handlers.register(reg(estate_id="NOPE"), DESK, FakeRepo(), POLICY, NOW)


async def test_idempotent_retry_returns_the_same_item_and_a_changed_body_conflicts() -> None:
    repo = FakeRepo()
    first = await handlers.register(reg(), DESK, repo, POLICY, NOW, "k-1")
    again = await handlers.register(reg(), DESK, repo, POLICY, NOW, "k-1")
    assert again.complaint_id == first.complaint_id and again.reference_no == first.reference_no
    assert len(repo.docs) == 1 and len(repo.events) == 1
    other_source = handlers.Filer("desk-2", "staff:desk-2", Submitter(False))
    assert (await handlers.register(reg(), other_source, repo, POLICY, NOW, "k-1")).complaint_id != first.complaint_id
    with pytest.raises(IdempotencyConflict):
        await handlers.register(reg(content="另一件事"), DESK, repo, POLICY, NOW, "k-1")


async def test_draft_waits_for_readback_then_registers_with_who_confirmed() -> None:
    repo = FakeRepo()
    item = reg(
        channel="visit",
        owner={"name": "王阿姨", "building": "5", "room": "302"},
        hold_for_readback=True,
        channel_details={"visit_purpose": "elderly_alone"},
    )
    draft = await handlers.register(item, DESK, repo, POLICY, NOW)
    assert draft.status == "draft" and draft.reference_no is None and repo.events == []
    with pytest.raises(NotFound):  # staff of another estate
        await handlers.confirm_readback(draft.complaint_id, "desk-9", lambda e: e == "JADE", repo, POLICY, NOW)
    ack = await handlers.confirm_readback(
        draft.complaint_id, "sup-1", lambda e: True, repo, POLICY, NOW, corrected_content="5号楼3楼楼道灯不亮"
    )
    assert ack.status == "received" and ack.reference_no == "SUNNY-20261122-0001"
    doc = repo.docs[draft.complaint_id]
    assert doc["readback"]["confirmed"] and doc["readback"]["confirmed_by"] == "sup-1"
    assert doc["registration"]["content"] == "5号楼3楼楼道灯不亮"
    event = repo.events[0][1]
    assert event.data["readback_confirmed"] is True and event.data["content"] == "5号楼3楼楼道灯不亮"
    with pytest.raises(InvalidState):
        await handlers.confirm_readback(draft.complaint_id, "sup-1", lambda e: True, repo, POLICY, NOW)


async def test_answered_on_the_spot_is_registered_and_closed_with_the_answer() -> None:
    repo = FakeRepo()
    item = reg(channel="front_desk", owner={"name": "赵六", "phone": "13700002222"}, answered_on_spot="可在App缴费")
    ack = await handlers.register(item, DESK, repo, POLICY, NOW)
    doc = repo.docs[ack.complaint_id]
    assert ack.status == "closed" and ack.reference_no and "当场答复" in ack.message and ack.next_contact_by is None
    assert doc["resolution"]["answer"] == "可在App缴费" and doc["resolution"]["answered_by"] == "desk-1"
    event = repo.events[0][1]
    assert event.data["resolved_at_intake"] is True and event.data["intake_answer"] == "可在App缴费"


async def test_batch_registers_every_slip_or_none() -> None:
    repo = FakeRepo()
    details = {"box_id": "BOX-3", "opened_at": "2026-11-22T09:00:00+08:00"}
    slips = [reg(channel="suggestion_box", channel_details=details, content=f"建议{i}号") for i in range(3)]
    acks = await handlers.register_batch(slips, DESK, repo, POLICY, NOW, "box-3-2026-11-22")
    assert [a.reference_no for a in acks] == [f"SUNNY-20261122-000{i}" for i in (1, 2, 3)]
    again = await handlers.register_batch(slips, DESK, repo, POLICY, NOW, "box-3-2026-11-22")
    assert [a.complaint_id for a in again] == [a.complaint_id for a in acks] and len(repo.docs) == 3
    bad = [*slips, reg(channel="suggestion_box", content="没有箱号")]
    before = len(repo.docs)
    with pytest.raises(Exception):  # noqa: B017 - any refusal: the point is that nothing was stored
        await handlers.register_batch(bad, DESK, repo, POLICY, NOW)
    assert len(repo.docs) == before


def _triaged(cid: str) -> TaskAssigned | ComplaintTriaged:
    return ComplaintTriaged(
        complaint_id=cid,
        estate_id="SUNNY",
        decision="accepted",
        category="engineering",
        urgency="general",
        scope="building",
        confidence=0.9,
        deadlines=Deadlines(dispatch_by=NOW, resolve_by=NOW),
        triaged_at=NOW,
    )


async def test_downstream_events_move_status_forward_only_once_and_never_reopen_withdrawn() -> None:
    repo = FakeRepo()
    cid = (await handlers.register(reg(), DESK, repo, POLICY, NOW)).complaint_id
    assigned = TaskAssigned(
        task_id="t1",
        complaint_id=cid,
        estate_id="SUNNY",
        department="engineering",
        category="engineering",
        urgency="general",
        due_at=NOW,
        assigned_at=NOW,
    )
    env_assigned = new_event(assigned, source="dispatch", estate_id="SUNNY")
    await handlers.on_downstream_event(env_assigned, assigned, repo)
    await handlers.on_downstream_event(env_assigned, assigned, repo)  # redelivery
    triaged = _triaged(cid)
    await handlers.on_downstream_event(new_event(triaged, source="triage", estate_id="SUNNY"), triaged, repo)
    doc = repo.docs[cid]
    assert doc["status"] == "in_progress"  # the late triage event did not move it back
    assert [t["kind"] for t in doc["timeline"]] == ["received", "assigned", "triaged"]
    doc["status"] = "withdrawn"
    done = TaskCompleted(task_id="t1", complaint_id=cid, estate_id="SUNNY", result_summary="已修好", completed_at=NOW)
    await handlers.on_downstream_event(new_event(done, source="dispatch", estate_id="SUNNY"), done, repo)
    assert doc["status"] == "withdrawn" and doc["timeline"][-1]["visibility"] == "internal"


async def test_a_review_that_overtakes_the_original_triage_is_kept() -> None:
    """After a backlog a supervisor's override (revision 2) can arrive before the triage it
    overrides (revision 1): the register keeps the override whatever the arrival order."""
    for order in ("review_first", "original_first"):
        repo = FakeRepo()
        cid = (await handlers.register(reg(), DESK, repo, POLICY, NOW)).complaint_id
        original = _triaged(cid)
        assert isinstance(original, ComplaintTriaged)
        override = original.model_copy(
            update={"decision": "rejected", "rejection_reason": "不属物业职责", "revision": 2}
        )
        events = [(new_event(p, source="triage", estate_id="SUNNY"), p) for p in (original, override)]
        if order == "review_first":
            events.reverse()
        for envelope, payload in events:
            await handlers.on_downstream_event(envelope, payload, repo)
        doc = repo.docs[cid]
        assert doc["triage"]["revision"] == 2 and doc["triage"]["decision"] == "rejected", order
        assert doc["status"] == "rejected", order
