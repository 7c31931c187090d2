"""The notifier's contact lookup: only the notifier's service identity gets an owner's clear contact,
every lookup is audited with its purpose, anonymous items answer no contact."""

from __future__ import annotations

import pytest

from conftest import SECRET, Intake
from pm_common.auth import issue_token

pytestmark = pytest.mark.integration


def _service(sub: str = "service:notifier") -> dict[str, str]:
    return {"Authorization": f"Bearer {issue_token(SECRET, sub, 'integration', ['*'])}"}


async def _file(intake: Intake, body: dict) -> dict:  # type: ignore[type-arg]
    async with intake.client(headers=intake.staff()) as client:
        response = await client.post("/v1/complaints", json=body)
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


async def test_the_notifier_gets_the_contact_and_the_lookup_is_audited(intake: Intake) -> None:
    filed = await _file(
        intake,
        {
            "estate_id": "SUNNY",
            "channel": "phone",
            "content": "楼上漏水到我家卫生间",
            "owner": {"name": "王五", "phone": "13912345678", "email": "wangwu@example.com"},
        },
    )
    cid = filed["complaint_id"]
    async with intake.client(headers=_service()) as client:
        found = await client.get(f"/internal/v1/complaints/{cid}/contact", params={"purpose": "d_abc"})
        missing = await client.get("/internal/v1/complaints/nope/contact", params={"purpose": "d_x"})
        no_purpose = await client.get(f"/internal/v1/complaints/{cid}/contact")
    assert found.status_code == 200, found.text
    body = found.json()
    assert body["contact"] == {"sms": "13912345678", "email": "wangwu@example.com"} and body["anonymous"] is False
    assert body["reference_no"] == filed["reference_no"] and body["estate_name"] == "阳光花园"
    assert body["next_contact_by"] and body["owner_ref"] and "13912345678" not in body["owner_ref"]
    assert "name" not in body and "王五" not in found.text  # only what delivery needs
    assert missing.status_code == 404 and no_purpose.status_code == 422
    async with intake.client(headers=intake.staff("supervisor", sub="sup-1")) as client:
        audit = (await client.get(f"/v1/complaints/{cid}/audit")).json()
    lookup = next(a for a in audit if a["action"] == "contact_lookup")
    assert lookup["actor"] == "service:notifier" and lookup["reason"] == "d_abc"
    assert lookup["fields"] == ["email", "phone"]


async def test_nobody_else_gets_contacts(intake: Intake) -> None:
    filed = await _file(
        intake, {"estate_id": "SUNNY", "channel": "phone", "content": "垃圾没人清", "owner": {"phone": "13700001111"}}
    )
    cid = filed["complaint_id"]
    for headers in (_service("service:bi"), intake.staff("supervisor"), intake.staff("admin", ("*",), "admin-1")):
        async with intake.client(headers=headers) as client:
            refused = await client.get(f"/internal/v1/complaints/{cid}/contact", params={"purpose": "x"})
        assert refused.status_code == 403, (headers, refused.text)
        assert "13700001111" not in refused.text
    async with intake.client() as client:
        assert (await client.get(f"/internal/v1/complaints/{cid}/contact", params={"purpose": "x"})).status_code == 401


async def test_anonymous_items_answer_no_contact(intake: Intake) -> None:
    gateway = await intake.new_key(["anonymous"], ["SUNNY"], "匿名渠道")
    async with intake.client(headers={"X-Api-Key": gateway}) as client:
        response = await client.post(
            "/v1/complaints",
            json={"estate_id": "SUNNY", "channel": "anonymous", "content": "保安夜里睡觉，没人巡逻"},
        )
    assert response.status_code == 201, response.text
    cid = response.json()["complaint_id"]
    async with intake.client(headers=_service()) as client:
        body = (await client.get(f"/internal/v1/complaints/{cid}/contact", params={"purpose": "d_anon"})).json()
    assert body["anonymous"] is True and body["contact"] == {} and body["owner_ref"] is None
