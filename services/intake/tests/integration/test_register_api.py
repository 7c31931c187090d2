"""Registering over HTTP on the real engines: every channel's required fields, read-back drafts,
on-the-spot closure, idempotent retries, reference numbers under concurrency, batches, events."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from channel_cases import MINIMAL as CHANNELS  # minimal valid fields per channel, fields named when missing

from conftest import Intake
from pm_common import topics
from pm_common.testing import EventProbe
from pm_common.testing.fixtures import Engines

pytestmark = pytest.mark.integration


def body(channel: str, **fields: Any) -> dict[str, Any]:
    return {"estate_id": "SUNNY", "channel": channel, "content": "3号楼楼道灯不亮，晚上很黑", **fields}


async def test_every_channel_requires_its_fields_and_registers_with_the_minimum(intake: Intake) -> None:
    async with intake.client(headers=intake.staff()) as client:
        for channel, (fields, required) in CHANNELS.items():
            if required:
                refused = await client.post("/v1/complaints", json=body(channel))
                assert refused.status_code == 422, (channel, refused.text)
                error = refused.json()["error"]
                assert {f["field"] for f in error["fields"]} == required, channel
                assert all(f["reason"] and f["reason_en"] for f in error["fields"])
                assert error["message"] == "提交的内容有误，请检查标出的字段" and "Traceback" not in refused.text
            accepted = await client.post("/v1/complaints", json=body(channel, **fields))
            assert accepted.status_code == 201, (channel, accepted.text)
        cti = await intake.new_key(["phone"], ["SUNNY"], "呼叫中心")
        phone = body("phone", owner={"phone": "13812341234"})
        missing = await client.post("/v1/complaints", json=phone, headers={"X-Api-Key": cti, "Authorization": ""})
        assert {f["field"] for f in missing.json()["error"]["fields"]} == {
            "channel_details.call_id",
            "channel_details.recording_ref",
            "channel_details.recording_notice_given",
        }
        phone["channel_details"] = {"call_id": "CTI-1", "recording_ref": "REC-1", "recording_notice_given": True}
        ok = await client.post("/v1/complaints", json=phone, headers={"X-Api-Key": cti, "Authorization": ""})
        assert ok.status_code == 201, ok.text
        doc = await intake.mongo.collection("complaints").find_one({"_id": ok.json()["complaint_id"]})
        assert (
            doc["recorder_id"].startswith("integration:")
            and doc["registration"]["channel_details"]["call_id"] == "CTI-1"
        )


async def test_malformed_input_is_a_bilingual_422_without_internals(intake: Intake) -> None:
    async with intake.client(headers=intake.staff()) as client:
        response = await client.post("/v1/complaints", json={"estate_id": "SUNNY", "channel": "pigeon", "content": ""})
        assert response.status_code == 422
        fields = {f["field"]: f for f in response.json()["error"]["fields"]}
        assert fields["channel"]["reason"] == "取值不在允许范围内" and fields["content"]["reason"] == "内容过短"
        broken = await client.post("/v1/complaints", content=b"{not json", headers={"content-type": "application/json"})
        assert broken.status_code == 422 and "Traceback" not in broken.text and 'File "' not in broken.text


async def test_readback_draft_is_confirmed_by_staff_then_published(intake: Intake, engines: Engines) -> None:
    draft_body = body("phone", owner={"name": "李四", "phone": "13900001111"}, hold_for_readback=True)
    async with (
        EventProbe(engines.kafka_bootstrap, intake.settings.topic_prefix, [topics.COMPLAINT_RECEIVED]) as probe,
        intake.client(headers=intake.staff()) as client,
    ):
        draft = (await client.post("/v1/complaints", json=draft_body)).json()
        assert draft["status"] == "draft" and draft["reference_no"] is None
        other_estate = await client.post(
            f"/v1/complaints/{draft['complaint_id']}/readback",
            json={"owner_agreed": True},
            headers=intake.staff(estates=("JADE",), sub="desk-9"),
        )
        assert other_estate.status_code == 404
        confirm = await client.post(
            f"/v1/complaints/{draft['complaint_id']}/readback",
            json={"owner_agreed": True, "content": "3号楼1单元楼道灯不亮"},
            headers=intake.staff(sub="desk-2"),
        )
        assert confirm.status_code == 200, confirm.text
        ack = confirm.json()
        assert ack["status"] == "received" and ack["reference_no"].startswith("SUNNY-") and "编号" in ack["message"]
        again = await client.post(f"/v1/complaints/{draft['complaint_id']}/readback", json={"owner_agreed": True})
        assert again.status_code == 409 and again.json()["error"]["code"] == "invalid_state"
        event = (await probe.wait_for(topics.COMPLAINT_RECEIVED, lambda e: e.subject == draft["complaint_id"]))[0]
        assert event.data["readback_confirmed"] is True and event.data["content"] == "3号楼1单元楼道灯不亮"
    doc = await intake.mongo.collection("complaints").find_one({"_id": draft["complaint_id"]})
    assert doc["readback"]["confirmed_by"] == "desk-2" and doc["readback"]["confirmed_at"] is not None


async def test_answered_on_the_spot_is_closed_at_intake_with_the_answer(intake: Intake, engines: Engines) -> None:
    answer = "可通过物业App或前台缴费，已现场演示"
    spot = body("front_desk", owner={"name": "赵六", "phone": "13700002222"}, answered_on_spot=answer)
    async with (
        EventProbe(engines.kafka_bootstrap, intake.settings.topic_prefix, [topics.COMPLAINT_RECEIVED]) as probe,
        intake.client(headers=intake.staff()) as client,
    ):
        ack = (await client.post("/v1/complaints", json=spot)).json()
        assert ack["status"] == "closed" and "当场答复" in ack["message"]
        event = (await probe.wait_for(topics.COMPLAINT_RECEIVED, lambda e: e.subject == ack["complaint_id"]))[0]
        assert event.data["resolved_at_intake"] is True and event.data["intake_answer"] == answer
        detail = (await client.get(f"/v1/complaints/{ack['complaint_id']}")).json()
        assert detail["status"] == "closed" and detail["resolution"]["answer"] == answer
        assert [t["kind"] for t in detail["timeline"]] == ["received", "answered"]


async def test_idempotent_retry_never_creates_two_complaints(intake: Intake) -> None:
    headers = {**intake.staff(), "Idempotency-Key": "wx-msg-778899"}
    item = body("app", owner={"phone": "13812341234"})
    async with intake.client(headers=headers) as client:
        answers = await asyncio.gather(*[client.post("/v1/complaints", json=item) for _ in range(8)])
        assert {r.status_code for r in answers} == {201}
        assert len({r.json()["complaint_id"] for r in answers}) == 1
        assert len({r.json()["reference_no"] for r in answers}) == 1
        later = await client.post("/v1/complaints", json=item)
        assert later.json()["complaint_id"] == answers[0].json()["complaint_id"]
        changed = await client.post("/v1/complaints", json={**item, "content": "另一件完全不同的事情"})
        assert changed.status_code == 409 and changed.json()["error"]["code"] == "idempotency_conflict"
    assert await intake.mongo.collection("complaints").count_documents({}) == 1


async def test_reference_numbers_are_unique_and_gapless_under_concurrency(intake: Intake) -> None:
    async with intake.client(headers=intake.staff()) as client:
        answers = await asyncio.gather(*[client.post("/v1/complaints", json=body("app")) for _ in range(30)])
    refs = sorted(r.json()["reference_no"] for r in answers)
    assert all(r.status_code == 201 for r in answers)
    day = refs[0].split("-")[1]
    assert refs == [f"SUNNY-{day}-{i:04d}" for i in range(1, 31)]


async def test_batch_of_suggestion_box_slips(intake: Intake, engines: Engines) -> None:
    batch = {
        "estate_id": "SUNNY",
        "channel": "suggestion_box",
        "channel_details": {"box_id": "BOX-3", "opened_at": "2026-11-22T09:00:00+08:00"},
        "items": [
            {"content": "建议在儿童游乐区加装遮阳棚"},
            {"content": "5号楼电梯按钮失灵", "owner": {"name": "陈先生"}},
            {"content": "希望增加快递柜"},
        ],
    }
    async with (
        EventProbe(engines.kafka_bootstrap, intake.settings.topic_prefix, [topics.COMPLAINT_RECEIVED]) as probe,
        intake.client(headers={**intake.staff(), "Idempotency-Key": "box3-1122"}) as client,
    ):
        first = await client.post("/v1/complaints/batch", json=batch)
        assert first.status_code == 201, first.text
        ids = [a["complaint_id"] for a in first.json()["items"]]
        assert first.json()["count"] == 3 and len(set(ids)) == 3
        retry = await client.post("/v1/complaints/batch", json=batch)
        assert [a["complaint_id"] for a in retry.json()["items"]] == ids
        events = await probe.wait_for(topics.COMPLAINT_RECEIVED, lambda e: e.subject in ids, count=3)
        assert {e.data["channel"] for e in events} == {"suggestion_box"}
        bad = await client.post(
            "/v1/complaints/batch", json={**batch, "channel_details": {}}, headers={"Idempotency-Key": "other"}
        )
        assert bad.status_code == 422
    assert await intake.mongo.collection("complaints").count_documents({}) == 3
