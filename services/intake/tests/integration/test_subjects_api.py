"""The 被投诉人 rule at intake on the real engines (issue #9): a staff member a complaint is about
gets 404 on every read and write of it and never finds it in the ledger, whatever their role; the
other staff still see it; a supervisor names or clears the subjects later, audited; the subjects
travel on ``complaint.received`` v3."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from conftest import Intake, settings_for
from pm_common import topics
from pm_common.mongo import Mongo
from pm_common.testing import EventProbe, poll_until
from pm_common.testing.fixtures import Engines
from pm_intake.config import IntakeSettings
from pm_intake.entrypoints.api import create_app

pytestmark = pytest.mark.integration

ABOUT_GUARD = "保安3号岗值班人员态度恶劣，还推搡业主"


async def _file(client: httpx.AsyncClient, staff: dict[str, str], content: str, **fields: Any) -> str:
    body = {"estate_id": "SUNNY", "channel": "app", "content": content, **fields}
    response = await client.post("/v1/complaints", json=body, headers=staff)
    assert response.status_code == 201, response.text
    return str(response.json()["complaint_id"])


async def _ledger(client: httpx.AsyncClient, staff: dict[str, str], **params: Any) -> tuple[list[str], int]:
    response = await client.get("/v1/complaints", params=params, headers=staff)
    assert response.status_code == 200, response.text
    page = response.json()
    return [i["complaint_id"] for i in page["items"]], int(page["total"])


# a valid body for every staff operation on one item: a new operation without one fails the test
BODIES: dict[str, dict[str, Any] | None] = {
    "GET /v1/complaints/{complaint_id}": None,
    "POST /v1/complaints/{complaint_id}/readback": {"owner_agreed": True},
    "POST /v1/complaints/{complaint_id}/notes": {"text": "已联系业主"},
    "POST /v1/complaints/{complaint_id}/reveal": {"reason": "回访业主核实"},
    "GET /v1/complaints/{complaint_id}/audit": None,
    "PUT /v1/complaints/{complaint_id}/subjects": {"subject_staff_ids": [], "reason": "与我无关"},
}


def _item_operations(settings: IntakeSettings) -> set[str]:
    """Every staff operation of intake's OpenAPI on one item (owners, Open311 and the notifier's
    internal lookup authenticate otherwise and are not staff reads)."""
    paths = create_app(settings).openapi()["paths"]
    return {
        f"{method.upper()} {path}"
        for path, ops in paths.items()
        if "{complaint_id}" in path and path.startswith("/v1/complaints")
        for method in ops
    }


def test_every_staff_operation_on_an_item_is_checked_for_its_subjects(engines: Engines, mongo: Mongo) -> None:
    assert _item_operations(settings_for(engines, mongo, "openapi-only.")) == set(BODIES)  # no lifespan: no I/O


async def _hidden_everywhere(client: httpx.AsyncClient, staff: dict[str, str], cid: str) -> None:
    """Every staff operation on the item answers exactly as for an id that does not exist (or, where
    the role may not use the operation at all, the table's 403 — nothing learnt either)."""
    missing = "0" * 32
    for op, body in BODIES.items():
        method, path = op.split(" ")
        unknown = await client.request(method, path.replace("{complaint_id}", missing), json=body, headers=staff)
        response = await client.request(method, path.replace("{complaint_id}", cid), json=body, headers=staff)
        assert response.status_code == unknown.status_code in (403, 404), (op, response.text)
        assert response.text == unknown.text.replace(missing, cid), op


async def test_a_supervisor_named_as_subject_cannot_find_the_complaint(intake: Intake, engines: Engines) -> None:
    desk = intake.staff("front_desk", sub="desk-1")
    named = intake.staff("supervisor", sub="sup-9")
    other = intake.staff("supervisor", sub="sup-1")
    async with (
        EventProbe(engines.kafka_bootstrap, intake.settings.topic_prefix, [topics.COMPLAINT_RECEIVED]) as probe,
        intake.client() as client,
    ):
        about = await _file(client, desk, ABOUT_GUARD, subject_staff_ids=["sup-9", "sec-3"])
        plain = await _file(client, desk, "楼道灯不亮，保安说会报修")
        event = (await probe.wait_for(topics.COMPLAINT_RECEIVED, lambda e: e.subject == about))[0]
        assert event.schemaversion == 3 and event.data["subject_staff_ids"] == ["sup-9", "sec-3"]

        await _hidden_everywhere(client, named, about)
        for role in ("handler", "leadership", "project_manager", "front_desk"):  # every role, group-wide too
            await _hidden_everywhere(client, intake.staff(role, ("*",), "sec-3"), about)
        assert await _ledger(client, named) == ([plain], 1)  # not in the list, not in the total
        assert await _ledger(client, named, q="保安") == ([plain], 1)
        assert await _ledger(client, named, status="received", page_size=1) == ([plain], 1)
        assert await _ledger(client, intake.staff("leadership", ("*",), "sec-3"), q="态度") == ([], 0)

        seen = await client.get(f"/v1/complaints/{about}", headers=other)
        assert seen.status_code == 200 and seen.json()["subject_staff_ids"] == ["sup-9", "sec-3"]
        assert await _ledger(client, other) == ([plain, about], 2)
        assert await _ledger(client, other, q="态度") == ([about], 1)
        assert (await client.get(f"/v1/complaints/{about}", headers=desk)).status_code == 200


async def test_only_registering_staff_name_subjects_and_a_readback_keeps_them(intake: Intake, engines: Engines) -> None:
    key = await intake.new_key(["app"], ["SUNNY"])
    async with (
        EventProbe(engines.kafka_bootstrap, intake.settings.topic_prefix, [topics.COMPLAINT_RECEIVED]) as probe,
        intake.client() as client,
    ):
        by_app = await client.post(
            "/v1/complaints",
            json={"estate_id": "SUNNY", "channel": "app", "content": ABOUT_GUARD, "subject_staff_ids": ["sec-3"]},
            headers={"X-Api-Key": key},
        )
        assert by_app.status_code == 403 and by_app.json()["error"]["code"] == "forbidden"
        bad = await client.post(
            "/v1/complaints",
            json={"estate_id": "SUNNY", "channel": "app", "content": ABOUT_GUARD, "subject_staff_ids": ["a b"]},
            headers=intake.staff(),
        )
        assert bad.status_code == 422
        draft = await client.post(
            "/v1/complaints",
            json={
                "estate_id": "SUNNY",
                "channel": "phone",
                "content": ABOUT_GUARD,
                "owner": {"phone": "13812341234"},
                "hold_for_readback": True,
                "subject_staff_ids": ["desk-2"],
            },
            headers=intake.staff(),
        )
        cid = draft.json()["complaint_id"]
        refused = await client.post(
            f"/v1/complaints/{cid}/readback", json={"owner_agreed": True}, headers=intake.staff(sub="desk-2")
        )
        assert refused.status_code == 404  # the named colleague cannot confirm (or even see) the draft
        confirmed = await client.post(
            f"/v1/complaints/{cid}/readback", json={"owner_agreed": True}, headers=intake.staff()
        )
        assert confirmed.status_code == 200, confirmed.text
        event = (await probe.wait_for(topics.COMPLAINT_RECEIVED, lambda e: e.subject == cid))[0]
        assert event.data["subject_staff_ids"] == ["desk-2"]


async def test_a_supervisor_names_and_clears_subjects_later_audited(intake: Intake, engines: Engines) -> None:
    sup = intake.staff("supervisor", sub="sup-1")
    colleague = intake.staff("front_desk", sub="desk-7")
    changes = [topics.COMPLAINT_SUBJECTS_CHANGED]
    async with (
        EventProbe(engines.kafka_bootstrap, intake.settings.topic_prefix, changes) as probe,
        intake.client() as client,
    ):
        cid = await _file(client, intake.staff(), "前台接待员说话很冲，不耐烦")
        assert cid in (await _ledger(client, colleague))[0]
        desk_try = await client.put(
            f"/v1/complaints/{cid}/subjects", json={"subject_staff_ids": ["x"], "reason": "试试看看"}, headers=colleague
        )
        assert desk_try.status_code == 403  # front desk names subjects only when registering
        named = await client.put(
            f"/v1/complaints/{cid}/subjects",
            json={"subject_staff_ids": ["desk-7", "desk-7"], "reason": "业主指认前台7号"},
            headers=sup,
        )
        assert named.status_code == 200, named.text
        assert named.json()["subject_staff_ids"] == ["desk-7"]

        async def hidden() -> bool:
            return cid not in (await _ledger(client, colleague))[0]

        await poll_until(hidden, what="the ledger index follows the change")
        await _hidden_everywhere(client, colleague, cid)
        trail = (await client.get(f"/v1/complaints/{cid}/audit", headers=sup)).json()
        change = next(e for e in trail if e["action"] == "set_subjects")
        assert change["before"] == [] and change["after"] == ["desk-7"] and change["actor"] == "sup-1"
        assert change["reason"] == "业主指认前台7号"
        item = (await client.get(f"/v1/complaints/{cid}", headers=sup)).json()
        assert item["timeline"][-1]["kind"] == "subjects" and item["timeline"][-1]["visibility"] == "internal"

        cleared = await client.put(
            f"/v1/complaints/{cid}/subjects", json={"subject_staff_ids": [], "reason": "核实后与其无关"}, headers=sup
        )
        assert cleared.status_code == 200
        assert (await client.get(f"/v1/complaints/{cid}", headers=colleague)).status_code == 200
        assert cid in (await _ledger(client, colleague))[0]

        # every change reaches the other services: the whole list, the next revision, no reason text
        sent = await probe.wait_for(changes[0], lambda e: e.subject == cid, count=2)
        assert [(e.schemaversion, e.data["revision"], e.data["subject_staff_ids"]) for e in sent] == [
            (1, 1, ["desk-7"]),
            (1, 2, []),
        ]
        assert set(sent[0].data) == {"complaint_id", "estate_id", "subject_staff_ids", "revision", "changed_at"}
