"""Issue #10/#9: the assignee sees the owner's contact masked and reveals it only when the task needs it
(an agreed visit, an on-site item), audited on the task (for supervisors) and at intake (with the
acting person and the task); nobody else gets it and an anonymous item never reveals. Real intake
and real dispatch on the real engines: the sheet comes from intake's complaint.received."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
import uvicorn
from dispatch_fakes import triaged

from conftest import SECRET, Dispatch, serve
from pm_common import topics
from pm_common.auth import issue_token
from pm_common.mongo import Mongo
from pm_common.service import server_options
from pm_common.testing import poll_until
from pm_common.testing.fixtures import Engines, service_settings_values
from pm_dispatch.config import DispatchSettings
from pm_intake.config import IntakeSettings
from pm_intake.entrypoints.api import create_app as intake_app

pytestmark = pytest.mark.integration
PHONE = "13912345678"


@pytest.fixture
async def stack(engines: Engines, mongo: Mongo, topic_prefix: str) -> AsyncIterator[tuple[str, Dispatch]]:
    intake_db = Mongo(engines.mongo_url, mongo.db.name + "_intake")
    intake_settings = IntakeSettings(**service_settings_values(engines, intake_db.db.name, topic_prefix, SECRET))
    server = uvicorn.Server(uvicorn.Config(intake_app(intake_settings), **server_options(intake_settings)))
    running = asyncio.create_task(server.serve())
    intake_url = f"http://127.0.0.1:{intake_settings.port}"
    try:
        await poll_until(lambda: _healthy(intake_url), timeout=60, what="intake healthy")
        values = service_settings_values(engines, mongo.db.name, topic_prefix, SECRET)
        async with serve(DispatchSettings(**values, intake_url=intake_url), mongo) as dispatch:
            yield intake_url, dispatch
    finally:
        server.should_exit = True
        await asyncio.wait_for(running, 30)
        await intake_db.drop_database()
        intake_db.close()


async def _healthy(url: str) -> bool:
    try:
        async with httpx.AsyncClient(base_url=url, timeout=5) as client:
            return (await client.get("/healthz")).status_code == 200
    except httpx.HTTPError:
        return False


def _auth(role: str, sub: str, estates: tuple[str, ...] = ("SUNNY",)) -> dict[str, str]:
    return {"Authorization": f"Bearer {issue_token(SECRET, sub, role, list(estates))}"}  # type: ignore[arg-type]


async def _file(intake_url: str, body: dict[str, Any], headers: dict[str, str]) -> str:
    async with httpx.AsyncClient(base_url=intake_url, timeout=20, headers=headers) as client:
        response = await client.post("/v1/complaints", json=body)
    assert response.status_code == 201, response.text
    return str(response.json()["complaint_id"])


async def _assigned(dispatch: Dispatch, cid: str, category: str, person: str) -> str:
    tid = f"T-{cid}"

    async def sheet() -> bool:  # the sheet from intake's complaint.received (awaiting triage)
        doc = await dispatch.mongo.collection("tasks").find_one({"_id": tid})
        return bool(doc and doc.get("content"))

    await poll_until(sheet, timeout=60, what="the sheet from complaint.received")
    await dispatch.publisher.publish(topics.COMPLAINT_TRIAGED, triaged(cid, category=category, at=datetime.now(UTC))[0])
    await dispatch.task(tid, "assigned")
    async with dispatch.client("supervisor", "sup-1") as sup:
        who = {"kind": "person", "department": category, "person_id": person}
        response = await sup.post(f"/v1/tasks/{tid}/reassign", json={"reason": "指定承办人", "assignee": who})
        assert response.status_code == 200, response.text
    return tid


async def test_the_assignee_reveals_only_when_the_task_needs_it_and_every_reveal_is_audited(
    stack: tuple[str, Dispatch],
) -> None:
    intake_url, dispatch = stack
    owner = {"name": "王五", "phone": PHONE}
    cid = await _file(
        intake_url,
        {"estate_id": "SUNNY", "channel": "phone", "content": "物业费账单有疑问", "owner": owner},
        _auth("front_desk", "desk-1"),
    )
    tid = await _assigned(dispatch, cid, "customer_service", "h-wang")
    sheet = await dispatch.task(tid)
    assert sheet["owner_contact_masked"] and PHONE not in str(sheet)  # masked on the sheet
    ask = {"purpose": "电话约定上门时间"}
    async with dispatch.client("handler", "h-wang") as wang:
        refused = await wang.post(f"/v1/tasks/{tid}/owner-contact", json=ask)  # no visit agreed, no on-site need
        assert refused.status_code == 409 and refused.json()["error"]["rule"] == "contact_not_needed"
        assert PHONE not in refused.text
        visit = (datetime.now(UTC) + timedelta(hours=3)).isoformat()
        assert (await wang.post(f"/v1/tasks/{tid}/appointment", json={"visit_at": visit})).status_code == 200
        served = await wang.post(f"/v1/tasks/{tid}/owner-contact", json=ask)
    assert served.status_code == 200, served.text
    assert served.json()["phone"] == PHONE and served.json()["basis"] == "appointment"
    assert served.headers["cache-control"] == "no-store"
    # nobody else: another handler, the assignee with another estate's token, a supervisor, front desk
    others = [
        (dispatch.client("handler", "h-li"), 404),
        (dispatch.client("handler", "h-wang", ("JADE",)), 404),
        (dispatch.client("supervisor", "sup-1"), 403),
        (dispatch.client("front_desk", "desk-1"), 403),
    ]
    for client, expected in others:
        async with client as c:
            response = await c.post(f"/v1/tasks/{tid}/owner-contact", json=ask)
        assert response.status_code == expected, response.text
        assert PHONE not in response.text
    # the trail on the task, for supervisors (not for the handler)
    async with dispatch.client("supervisor", "sup-1") as sup, dispatch.client("handler", "h-wang") as wang:
        trail = (await sup.get(f"/v1/tasks/{tid}/contact-reveals")).json()
        assert (await wang.get(f"/v1/tasks/{tid}/contact-reveals")).status_code == 403
    assert [(e["by"], e["outcome"], e["refusal"], e["basis"]) for e in trail] == [
        ("h-wang", "refused", "contact_not_needed", None),
        ("h-wang", "served", None, "appointment"),
    ]
    assert trail[1]["task_id"] == tid and trail[1]["at"] and trail[1]["purpose"] == "电话约定上门时间"
    # ... and intake's own audit of the lookup: dispatch's identity, on behalf of the assignee, the task
    async with httpx.AsyncClient(base_url=intake_url, headers=_auth("supervisor", "sup-1")) as client:
        audit = (await client.get(f"/v1/complaints/{cid}/audit")).json()
    lookups = [a for a in audit if a["action"] == "contact_lookup_for_task"]
    assert len(lookups) == 1
    assert lookups[0]["actor"] == "service:dispatch" and lookups[0]["on_behalf_of"] == "h-wang"
    assert lookups[0]["task_id"] == tid and lookups[0]["fields"] == ["phone"]


async def test_an_on_site_repair_reveals_at_once_and_an_anonymous_item_never(stack: tuple[str, Dispatch]) -> None:
    intake_url, dispatch = stack
    cid = await _file(
        intake_url,
        {"estate_id": "SUNNY", "channel": "phone", "content": "卫生间漏水", "owner": {"phone": PHONE}},
        _auth("front_desk", "desk-1"),
    )
    repair = await _assigned(dispatch, cid, "engineering", "h-wang")
    ask = {"purpose": "上门维修前联系业主开门"}
    async with dispatch.client("handler", "h-wang") as wang:
        served = await wang.post(f"/v1/tasks/{repair}/owner-contact", json=ask)
        assert served.status_code == 200 and served.json()["basis"] == "on_site_visit"
    # anonymous: filed through an anonymous channel's key
    async with httpx.AsyncClient(base_url=intake_url, headers=_auth("admin", "admin-1", ("*",))) as admin:
        key = await admin.post(
            "/v1/admin/integrations", json={"name": "匿名", "channels": ["anonymous"], "estates": ["SUNNY"]}
        )
    assert key.status_code == 201, key.text
    anon = await _file(
        intake_url,
        {"estate_id": "SUNNY", "channel": "anonymous", "content": "电梯困人无人处理"},
        {"X-Api-Key": key.json()["api_key"]},
    )
    anon_task = await _assigned(dispatch, anon, "engineering", "h-wang")
    assert (await dispatch.task(anon_task))["anonymous"] is True
    async with dispatch.client("handler", "h-wang") as wang:
        refused = await wang.post(f"/v1/tasks/{anon_task}/owner-contact", json=ask)
    assert refused.status_code == 409 and refused.json()["error"]["rule"] == "anonymous_owner"
    async with httpx.AsyncClient(base_url=intake_url, headers=_auth("supervisor", "sup-1")) as client:
        audit = (await client.get(f"/v1/complaints/{anon}/audit")).json()
    assert not [a for a in audit if a["action"] == "contact_lookup_for_task"]  # intake was not even asked
    # intake refuses dispatch's identity without the task and the person, or for another complaint's task
    token = issue_token(SECRET, "service:dispatch", "integration", ["SUNNY"])
    async with httpx.AsyncClient(base_url=intake_url, headers={"Authorization": f"Bearer {token}"}) as svc:
        bare = await svc.get(f"/internal/v1/complaints/{cid}/contact", params={"purpose": "x"})
        other = await svc.get(
            f"/internal/v1/complaints/{cid}/contact",
            params={"purpose": "x", "task_id": f"T-{uuid.uuid4().hex}", "on_behalf_of": "h-wang"},
        )
    assert bare.status_code == 422 and other.status_code == 422 and PHONE not in bare.text + other.text
