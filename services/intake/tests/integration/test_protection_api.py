"""Protection of the intake on the real engines: body and attachment limits, per-source rate limits,
integration key scopes, masked personal data and the audited reveal."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import pytest

from conftest import Intake, serve
from pm_common import topics
from pm_common.mongo import Mongo
from pm_common.testing import EventProbe
from pm_common.testing.fixtures import Engines
from pm_intake.config import IntakeSettings

pytestmark = pytest.mark.integration
BODY = {"estate_id": "SUNNY", "channel": "app", "content": "小区东门垃圾桶满了两天没人清理"}


async def test_body_and_attachment_size_limits(intake: Intake) -> None:
    limit = intake.settings.max_body_bytes
    async with intake.client(headers=intake.staff()) as client:
        huge = {**BODY, "content": "很" * 5000, "people_involved": ["保安"] * 20, "matter": "x" * (limit // 2)}
        refused = await client.post("/v1/complaints", json={**huge, "matter": "x" * limit})
        assert refused.status_code == 413 and refused.json()["error"]["code"] == "payload_too_large"
        assert "上限" in refused.json()["error"]["message"]

        async def chunks() -> AsyncIterator[bytes]:  # no Content-Length: counted while read
            yield b'{"estate_id": "SUNNY", "channel": "app", "content": "'
            for _ in range(limit // 1000 + 2):
                yield b"x" * 1000
            yield b'"}'

        streamed = await client.post("/v1/complaints", content=chunks(), headers={"content-type": "application/json"})
        assert streamed.status_code == 413 and streamed.json()["error"]["message_en"].startswith(
            "request body too large"
        )
        video = {
            "kind": "video",
            "ref": "oss://v/1.mp4",
            "content_type": "video/mp4",
            "size_bytes": intake.settings.max_attachment_bytes + 1,
        }
        too_big = await client.post("/v1/complaints", json={**BODY, "evidence": [video]})
        assert too_big.status_code == 413 and too_big.json()["error"]["fields"][0]["field"] == "evidence.0.size_bytes"
        exe = {**video, "content_type": "application/x-msdownload", "size_bytes": 10}
        assert (await client.post("/v1/complaints", json={**BODY, "evidence": [exe]})).status_code == 422
        ok = await client.post("/v1/complaints", json={**BODY, "evidence": [{**video, "size_bytes": 1000}]})
        assert ok.status_code == 201
    assert await intake.mongo.collection("complaints").count_documents({}) == 1


async def test_rate_limits_per_source(intake_settings: Callable[..., IntakeSettings], mongo: Mongo) -> None:
    settings = intake_settings(rate_limit_requests=5, rate_limit_window_seconds=3600, otp_rate_limit_requests=2)
    async with serve(settings, mongo) as intake, intake.client() as client:
        desk = intake.staff(sub="desk-1")
        answers = [await client.post("/v1/complaints", json=BODY, headers=desk) for _ in range(7)]
        assert [r.status_code for r in answers] == [201] * 5 + [429] * 2
        assert int(answers[-1].headers["Retry-After"]) > 0
        assert answers[-1].json()["error"]["message"] == "请求过于频繁，请稍后再试"
        other = await client.post("/v1/complaints", json=BODY, headers=intake.staff(sub="desk-2"))
        assert other.status_code == 201  # another source has its own budget
        otps = [await client.post("/v1/owner/otp", json={"phone": "13812341234"}) for _ in range(3)]
        assert [r.status_code for r in otps] == [202, 202, 429]
        assert await mongo.collection("complaints").count_documents({}) == 6
        stored = [d async for d in mongo.collection("rate_limits").find({})]
        assert stored and not any("desk-1" in str(d) or "13812341234" in str(d) for d in stored)


async def test_integration_keys_are_scoped_to_channels_and_estates_and_revocable(intake: Intake) -> None:
    key = await intake.new_key(["wechat"], ["SUNNY"], "微信网关")
    wechat = {**BODY, "channel": "wechat", "channel_details": {"wechat_source": "official_account"}}
    async with intake.client(headers={"X-Api-Key": key}) as client:
        assert (await client.post("/v1/complaints", json=wechat)).status_code == 201
        wrong_channel = await client.post("/v1/complaints", json=BODY)
        assert wrong_channel.status_code == 422 and wrong_channel.json()["error"]["fields"][0]["field"] == "channel"
        wrong_estate = await client.post("/v1/complaints", json={**wechat, "estate_id": "JADE"})
        assert wrong_estate.status_code == 403
        forged = await client.post("/v1/complaints", json=wechat, headers={"X-Api-Key": key[:-2] + "xx"})
        assert forged.status_code == 401
        admin = intake.staff("admin", ("*",), "admin-1")
        listed = (await client.get("/v1/admin/integrations", headers=admin)).json()
        assert [k["name"] for k in listed] == ["微信网关"] and "secret_sha256" not in listed[0]
        assert (await client.get("/v1/admin/integrations", headers=intake.staff())).status_code == 403
        key_id = key.split(".")[0]
        assert (await client.post(f"/v1/admin/integrations/{key_id}/revoke", headers=admin)).status_code == 204
        assert (await client.post("/v1/complaints", json=wechat)).status_code == 401
    stored = await intake.mongo.collection("api_keys").find_one({"_id": key_id})
    assert key.split(".", 1)[1] not in str(stored)


async def test_personal_data_is_masked_everywhere_and_every_reveal_is_audited(intake: Intake, engines: Engines) -> None:
    person = {**BODY, "channel": "phone", "owner": {"name": "张三丰", "phone": "13812341234", "room": "1201"}}
    async with (
        intake.client(headers=intake.staff()) as client,
        EventProbe(engines.kafka_bootstrap, intake.settings.topic_prefix, [topics.COMPLAINT_RECEIVED]) as probe,
    ):
        cid = (await client.post("/v1/complaints", json=person)).json()["complaint_id"]
        event = (await probe.wait_for(topics.COMPLAINT_RECEIVED, lambda e: e.subject == cid))[0]
        assert event.data["owner_phone_masked"] == "138****1234" and event.data["owner_name_masked"] == "张**"
        assert "13812341234" not in event.model_dump_json() and "张三丰" not in event.model_dump_json()
        handler = intake.staff(role="handler", sub="h-1")
        detail = (await client.get(f"/v1/complaints/{cid}", headers=handler)).json()
        assert detail["registration"]["owner"]["phone"] == "138****1234" and "13812341234" not in str(detail)
        ledger = (await client.get("/v1/complaints", params={"q": "垃圾"}, headers=handler)).json()
        assert ledger["items"][0]["owner_phone"] == "138****1234" and "13812341234" not in str(ledger)
        denied = await client.post(f"/v1/complaints/{cid}/reveal", json={"reason": "想看看电话号码"}, headers=handler)
        assert denied.status_code == 403
        no_reason = await client.post(f"/v1/complaints/{cid}/reveal", json={"reason": ""}, headers=intake.staff())
        assert no_reason.status_code == 422
        sup = intake.staff(role="supervisor", sub="sup-1")
        shown = await client.post(
            f"/v1/complaints/{cid}/reveal", json={"reason": "电话回访，告知维修结果"}, headers=sup
        )
        assert shown.status_code == 200 and shown.json()["phone"] == "13812341234" and shown.json()["name"] == "张三丰"
        trail = (await client.get(f"/v1/complaints/{cid}/audit", headers=sup)).json()
        assert len(trail) == 1 and trail[0]["actor"] == "sup-1" and trail[0]["role"] == "supervisor"
        assert trail[0]["reason"] == "电话回访，告知维修结果" and trail[0]["fields"] == ["name", "phone"]
        assert trail[0]["audit_id"] == shown.json()["audit_id"] and trail[0]["at"]
