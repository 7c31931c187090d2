"""Owner tracking on the real engines: OTP sessions, isolation between owners and between estates,
live status from downstream events, supplements, withdrawal, and the anonymous flow end to end."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from conftest import Intake
from pm_common import topics
from pm_common.events import new_event
from pm_common.events.payloads import ComplaintTriaged, Deadlines, TaskAssigned
from pm_common.kafka import KafkaPublisher
from pm_common.testing import EventProbe, poll_until
from pm_common.testing.fixtures import Engines

pytestmark = pytest.mark.integration


async def owner_headers(client: httpx.AsyncClient, phone: str) -> dict[str, str]:
    sent = await client.post("/v1/owner/otp", json={"phone": phone})
    assert sent.status_code == 202 and sent.json()["dev_code"], sent.text
    wrong = await client.post(
        "/v1/owner/session",
        json={"phone": phone, "code": "999999" if sent.json()["dev_code"] != "999999" else "000000"},
    )
    assert wrong.status_code == 401 and wrong.json()["error"]["message"] == "验证码错误或已过期"
    session = await client.post("/v1/owner/session", json={"phone": phone, "code": sent.json()["dev_code"]})
    assert session.status_code == 200, session.text
    return {"Authorization": f"Bearer {session.json()['token']}"}


async def file(
    client: httpx.AsyncClient, staff: dict[str, str], estate: str, phone: str | None, **extra: Any
) -> dict[str, Any]:
    body: dict[str, Any] = {"estate_id": estate, "channel": "app", "content": f"{estate} 地下车库漏水", **extra}
    if phone:
        body["owner"] = {"name": "业主", "phone": phone}
    response = await client.post("/v1/complaints", json=body, headers=staff)
    assert response.status_code == 201, response.text
    return dict(response.json())


async def test_owners_see_only_their_items_and_staff_only_their_estates(intake: Intake, engines: Engines) -> None:
    both = intake.staff(estates=("SUNNY", "JADE"))
    async with intake.client() as client:
        a = await file(client, both, "SUNNY", "13812341234")
        b = await file(client, both, "JADE", "13900001111")
        owner_a = await owner_headers(client, "138-1234-1234")
        owner_b = await owner_headers(client, "13900001111")
        mine = (await client.get("/v1/owner/complaints", headers=owner_a)).json()
        assert [i["complaint_id"] for i in mine] == [a["complaint_id"]]
        assert (await client.get(f"/v1/owner/complaints/{b['complaint_id']}", headers=owner_a)).status_code == 404
        poke = await client.post(f"/v1/owner/complaints/{b['complaint_id']}/withdraw", json={}, headers=owner_a)
        assert poke.status_code == 404
        assert (await client.get(f"/v1/owner/complaints/{b['complaint_id']}", headers=owner_b)).status_code == 200
        assert (await client.get("/v1/owner/complaints", headers=intake.staff())).status_code == 401  # staff token
        assert (await client.get("/v1/complaints", headers=owner_a)).status_code == 401  # owner token as staff

        jade_staff = intake.staff(estates=("JADE",), sub="desk-jade")
        assert (await client.get(f"/v1/complaints/{a['complaint_id']}", headers=jade_staff)).status_code == 404
        forbidden = await client.get("/v1/complaints", params={"estate_id": "SUNNY"}, headers=jade_staff)
        assert forbidden.status_code == 403 and forbidden.json()["error"]["message"] == "无权访问该项目（小区）的数据"
        ledger = (await client.get("/v1/complaints", headers=jade_staff)).json()
        assert [i["complaint_id"] for i in ledger["items"]] == [b["complaint_id"]] and ledger["total"] == 1
        assert ledger["items"][0]["owner_phone"] == "139****1111"
        reveal = await client.post(
            f"/v1/complaints/{a['complaint_id']}/reveal", json={"reason": "电话回访"}, headers=jade_staff
        )
        assert reveal.status_code == 404


async def test_owner_follows_live_status_adds_information_and_withdraws(intake: Intake, engines: Engines) -> None:
    prefix = intake.settings.topic_prefix
    async with (
        intake.client() as client,
        EventProbe(
            engines.kafka_bootstrap, prefix, [topics.COMPLAINT_SUPPLEMENTED, topics.COMPLAINT_WITHDRAWN]
        ) as probe,
    ):
        item = await file(client, intake.staff(), "SUNNY", "13812341234", urgency_reported="urgent")
        cid = item["complaint_id"]
        owner = await owner_headers(client, "13812341234")
        staff = intake.staff(role="supervisor", sub="sup-1")
        await client.post(f"/v1/complaints/{cid}/notes", json={"text": "该业主情绪激动，注意沟通"}, headers=staff)
        await client.post(
            f"/v1/complaints/{cid}/notes", json={"text": "师傅明早九点上门", "visibility": "owner"}, headers=staff
        )
        now = datetime.now(UTC)
        triaged = ComplaintTriaged(
            complaint_id=cid,
            estate_id="SUNNY",
            decision="accepted",
            category="engineering",
            urgency="urgent",
            scope="estate",
            confidence=0.9,
            deadlines=Deadlines(dispatch_by=now, resolve_by=now),
            triaged_at=now,
        )
        assigned = TaskAssigned(
            task_id="t-1",
            complaint_id=cid,
            estate_id="SUNNY",
            department="engineering",
            category="engineering",
            urgency="urgent",
            due_at=now,
            assigned_at=now,
        )
        publisher = KafkaPublisher(engines.kafka_bootstrap, prefix)
        for topic, payload in ((topics.COMPLAINT_TRIAGED, triaged), (topics.TASK_ASSIGNED, assigned)):
            await publisher.publish(topic, new_event(payload, source="test", estate_id="SUNNY"))
        await publisher.close()

        async def in_progress() -> dict[str, Any] | None:
            view = (await client.get(f"/v1/owner/complaints/{cid}", headers=owner)).json()
            return view if view["status"] == "in_progress" else None

        view = await poll_until(in_progress, what="owner sees in_progress")
        kinds = [t["kind"] for t in view["timeline"]]
        assert kinds[0] == "received" and "triaged" in kinds and "assigned" in kinds
        notes = [t["note"] for t in view["timeline"]]
        assert "师傅明早九点上门" in notes and not any("情绪" in n for n in notes)
        assert "triage" not in view and "recorder_id" not in view and "registration" not in view

        added = await client.post(
            f"/v1/owner/complaints/{cid}/supplements",
            headers=owner,
            json={
                "text": "水已经流到电梯口",
                "evidence": [
                    {"kind": "photo", "ref": "oss://p/1.jpg", "content_type": "image/jpeg", "size_bytes": 1000}
                ],
            },
        )
        assert added.status_code == 200 and added.json()["timeline"][-1]["kind"] == "supplemented"
        gone = await client.post(f"/v1/owner/complaints/{cid}/withdraw", json={"reason": "已自行解决"}, headers=owner)
        assert gone.status_code == 200 and gone.json()["status"] == "withdrawn"
        again = await client.post(f"/v1/owner/complaints/{cid}/withdraw", json={}, headers=owner)
        assert again.status_code == 409 and again.json()["error"]["code"] == "invalid_state"
        supplemented = (await probe.wait_for(topics.COMPLAINT_SUPPLEMENTED, lambda e: e.subject == cid))[0]
        assert supplemented.data["evidence_ids"] == ["oss://p/1.jpg"]
        withdrawn = (await probe.wait_for(topics.COMPLAINT_WITHDRAWN, lambda e: e.subject == cid))[0]
        assert withdrawn.data["reason"] == "已自行解决"


async def _dump_database(intake: Intake) -> str:
    parts = []
    for name in await intake.mongo.db.list_collection_names():
        parts += [
            json.dumps(doc, default=str, ensure_ascii=False) async for doc in intake.mongo.collection(name).find({})
        ]
    return "\n".join(parts)


async def test_anonymous_flow_stores_no_identity_anywhere_and_the_token_works(
    intake: Intake, engines: Engines, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    gateway = await intake.new_key(["anonymous", "wechat"], ["SUNNY"], "微信网关")
    key = {"X-Api-Key": gateway}
    async with (
        intake.client(headers=key) as client,
        EventProbe(engines.kafka_bootstrap, intake.settings.topic_prefix, [topics.COMPLAINT_RECEIVED]) as probe,
    ):
        sneaky = {
            "estate_id": "SUNNY",
            "channel": "anonymous",
            "content": "夜班保安在岗亭睡觉",
            "owner": {"name": "钱七", "phone": "13611112222"},
        }
        refused = await client.post("/v1/complaints", json=sneaky)
        assert refused.status_code == 422 and refused.json()["error"]["fields"][0]["field"] == "owner"
        call = await client.post("/v1/complaints", json={**sneaky, "owner": None, "channel_details": {"call_id": "C9"}})
        assert call.status_code == 422
        ack = (await client.post("/v1/complaints", json={**sneaky, "owner": None})).json()
        token = ack["tracking_token"]
        assert ack["status"] == "received" and token.startswith("trk_")
        event = (await probe.wait_for(topics.COMPLAINT_RECEIVED, lambda e: e.subject == ack["complaint_id"]))[0]
        assert event.data["anonymous"] is True and event.data["owner_name_masked"] is None
        assert event.data["owner_phone_masked"] is None
        other = (await client.post("/v1/complaints", json={**sneaky, "owner": None, "content": "另一条匿名"})).json()

        session = await client.post("/v1/owner/session", json={"tracking_token": token})
        owner = {"Authorization": f"Bearer {session.json()['token']}"}
        mine = (await client.get("/v1/owner/complaints", headers=owner)).json()
        assert [i["complaint_id"] for i in mine] == [ack["complaint_id"]]
        assert (await client.get(f"/v1/owner/complaints/{other['complaint_id']}", headers=owner)).status_code == 404
        bad = await client.post("/v1/owner/session", json={"tracking_token": "trk_not-a-real-token"})
        assert bad.status_code == 401
        staff = intake.staff(role="supervisor")
        reveal = await client.post(
            f"/v1/complaints/{ack['complaint_id']}/reveal", json={"reason": "核实身份信息"}, headers=staff
        )
        assert reveal.status_code == 409 and reveal.json()["error"]["code"] == "no_identity"
    stored = await _dump_database(intake)
    for secret in ("钱七", "13611112222", "1361111", token):
        assert secret not in stored
        assert secret not in caplog.text
    doc = await intake.mongo.collection("complaints").find_one({"_id": ack["complaint_id"]})
    assert not {"pii", "owner_key"} & set(doc) and "owner" not in doc["registration"]
