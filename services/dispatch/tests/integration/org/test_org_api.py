"""The organisation API on the real engines: one change = one document write carrying one
``org.changed`` (full snapshot, version + 1, key = estate id); repeats publish nothing; who may
read and write; bilingual validation errors; concurrent changes of one organisation."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from pm_common import topics
from pm_common.events import parse_payload
from pm_common.events.org import OrgChanged
from pm_common.testing import EventProbe, poll_until
from pm_common.testing.fixtures import Engines
from pm_dispatch.adapters.org_demo import demo_organisation

pytestmark = pytest.mark.integration
ORG = "/v1/estates/SUNNY/organisation"


async def test_one_change_one_event_and_repeats_publish_nothing(dispatch: Any, engines: Engines) -> None:
    async with (
        EventProbe(engines.kafka_bootstrap, dispatch.settings.topic_prefix, [topics.ORG_CHANGED]) as probe,
        dispatch.client("project_manager") as pm,
    ):
        first = await pm.put(ORG, json=demo_organisation("SUNNY"))
        assert first.status_code == 200, first.text
        assert first.json()["version"] == 1 and first.json()["changed"] is True and first.headers["etag"] == '"1"'
        repeat = await pm.put(ORG, json=demo_organisation("SUNNY"))
        assert repeat.status_code == 200 and repeat.json() | {"changed": True} == first.json()
        assert repeat.json()["changed"] is False

        events = await probe.wait_for(topics.ORG_CHANGED, lambda e: e.subject == "SUNNY")
        payload = parse_payload(events[0])
        assert isinstance(payload, OrgChanged) and payload.version == 1 and len(payload.people) == 11
        assert events[0].estateid == "SUNNY" and "138000" not in events[0].model_dump_json()  # no contact values

        person = {**demo_organisation("SUNNY")["people"][0], "skills": ["lift", "electrical", "gas"]}
        second = await pm.put(f"{ORG}/people/sunny-eng1", json=person)
        assert second.status_code == 200 and second.json()["version"] == 2, second.text
        both = await probe.wait_for(topics.ORG_CHANGED, lambda e: e.subject == "SUNNY", count=2)
        assert [parse_payload(e).version for e in both] == [1, 2]  # type: ignore[attr-defined]

        async def drained() -> bool:
            doc = await dispatch.mongo.collection("organisations").find_one({"_id": "SUNNY"})
            return bool(doc and doc["outbox_pending"] == 0 and doc["org_version"] == 2)

        await poll_until(drained, what="outbox of the organisation relayed")
        await probe._drain()
        assert len([e for t, e, _ in probe.events if t == topics.ORG_CHANGED]) == 2


async def test_who_may_read_and_write(dispatch: Any) -> None:
    async with dispatch.client() as anonymous:
        assert (await anonymous.get(ORG)).status_code == 401
    async with dispatch.client("handler") as handler:
        denied = await handler.put(ORG, json=demo_organisation("SUNNY"))
        assert denied.status_code == 403 and denied.json()["error"]["message_en"].startswith("role handler")
    async with dispatch.client("project_manager", ("JADE",)) as other_pm:
        elsewhere = await other_pm.put(ORG, json=demo_organisation("SUNNY"))
        assert elsewhere.status_code == 403 and elsewhere.json()["error"]["code"] == "estate_forbidden"
    async with dispatch.client("admin", ("*",), "admin-1") as admin:
        assert (await admin.get(ORG)).status_code == 404  # nothing configured yet
        assert (await admin.put(ORG, json=demo_organisation("SUNNY"))).status_code == 200
        assert "contacts" in (await admin.get(ORG)).json()
    async with dispatch.client("handler") as handler:
        seen = await handler.get(ORG)
        assert seen.status_code == 200 and "contacts" not in seen.json() and "contractor_contacts" not in seen.json()
        assert "13800000000" not in seen.text
        assert (await handler.get(f"{ORG}/on-duty", params={"at": "2026-12-01T10:00:00+08:00"})).status_code == 200
    async with dispatch.client("contractor") as contractor:
        assert (await contractor.get(ORG)).status_code == 403


async def test_validation_errors_are_bilingual_and_list_the_fields(dispatch: Any) -> None:
    async with dispatch.client("project_manager") as pm:
        body = demo_organisation("SUNNY")
        body["routing_rules"].append({"rule_id": "ghost", "team_id": "no-such-team"})
        bad = await pm.put(ORG, json=body)
        assert bad.status_code == 422, bad.text
        error = bad.json()["error"]
        assert error["code"] == "invalid_organisation" and error["message"] and error["message_en"]
        assert error["fields"] == [
            {"field": "routing_rules.8.team_id", "reason": "班组不存在：no-such-team", "reason_en": "unknown team"}
        ]
        body = demo_organisation("SUNNY")
        body["people"][0]["contact"]["phone"] = "call me"
        phone = await pm.put(ORG, json=body)
        assert phone.status_code == 422 and phone.json()["error"]["fields"][0]["reason"] == "电话号码格式不正确"
        assert (await pm.put(ORG, json={**demo_organisation("SUNNY"), "timezone": "Mars/Olympus"})).status_code == 422

        assert (await pm.put(ORG, json=demo_organisation("SUNNY"))).status_code == 200
        stale = await pm.put(
            ORG, json={**demo_organisation("SUNNY"), "timezone": "Asia/Urumqi"}, headers={"If-Match": '"0"'}
        )
        assert stale.status_code == 409 and stale.json()["error"]["current_version"] == 1
        in_use = await pm.delete(f"{ORG}/teams/eng")
        assert in_use.status_code == 422 and in_use.json()["error"]["fields"]
        assert (await pm.delete(f"{ORG}/routing-rules/nope")).status_code == 404
        mismatch = await pm.put(f"{ORG}/teams/eng", json={"team_id": "env", "name_zh": "x", "department": "x"})
        assert mismatch.status_code == 422 and mismatch.json()["error"]["fields"][0]["field"] == "team_id"


async def test_concurrent_changes_of_one_organisation_all_land(dispatch: Any, engines: Engines) -> None:
    async with (
        EventProbe(engines.kafka_bootstrap, dispatch.settings.topic_prefix, [topics.ORG_CHANGED]) as probe,
        dispatch.client("project_manager") as pm,
    ):
        assert (await pm.put(ORG, json=demo_organisation("SUNNY"))).status_code == 200
        teams = [{"team_id": f"t{i}", "name_zh": f"临时班组{i}", "department": "engineering"} for i in range(6)]
        answers = await asyncio.gather(*(pm.put(f"{ORG}/teams/{t['team_id']}", json=t) for t in teams))
        assert all(a.status_code == 200 for a in answers), [a.text for a in answers]
        assert sorted(a.json()["version"] for a in answers) == [2, 3, 4, 5, 6, 7]
        final = (await pm.get(ORG)).json()
        assert final["version"] == 7 and {f"t{i}" for i in range(6)} <= {t["team_id"] for t in final["teams"]}
        events = await probe.wait_for(topics.ORG_CHANGED, lambda e: e.subject == "SUNNY", count=7)
        assert sorted(parse_payload(e).version for e in events) == list(range(1, 8))  # type: ignore[attr-defined]


async def test_hot_reads_are_by_id_on_the_engine(dispatch: Any) -> None:
    """Routing reads the organisation and the contact lookup the people index: both by ``_id``."""
    async with dispatch.client("project_manager") as pm:
        assert (await pm.put(ORG, json=demo_organisation("SUNNY"))).status_code == 200
    for collection, key in (("organisations", "SUNNY"), ("org_people", "sunny-eng1")):
        plan = await dispatch.mongo.db.command("explain", {"find": collection, "filter": {"_id": key}})
        if "filterPushdown" in plan:  # FerretDB: only _id equality is pushed down to SQLite
            assert plan["filterPushdown"] is True, plan
        else:  # MongoDB 7
            assert any(s in str(plan["queryPlanner"]["winningPlan"]) for s in ("IDHACK", "EXPRESS")), plan
