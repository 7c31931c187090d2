"""Routing on the real engines, through the API a supervisor uses to preview it (the same
``OrgRouter`` bootstrap gives the task lifecycle): rule → team → on-duty person by skill and open
tasks; nights, a statutory holiday and a 调休 working Saturday; the control room out of hours;
contractors within contract hours; returns exclude the returning team; leave via an override."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from pm_dispatch.adapters.ledger_index import LedgerIndex
from pm_dispatch.adapters.org_demo import demo_organisation
from pm_dispatch.adapters.org_repository import MongoOrgRepository
from pm_dispatch.domain.assignment import RoutingRequest
from pm_dispatch.domain.ledger import Row
from pm_dispatch.service_layer.routing import OrgRouter

pytestmark = pytest.mark.integration
ORG = "/v1/estates/SUNNY/organisation"
TUESDAY_10 = "2026-12-01T10:00:00+08:00"
WEDNESDAY_3AM = "2026-12-02T03:00:00+08:00"
NATIONAL_DAY_10 = "2026-10-01T10:00:00+08:00"
MAKEUP_SATURDAY_10 = "2026-10-10T10:00:00+08:00"


async def preview(client: Any, at: str, **item: Any) -> dict[str, Any]:
    response = await client.post(f"{ORG}/route-preview", json={"category": "engineering", "at": at, **item})
    assert response.status_code == 200, response.text
    return dict(response.json())


async def test_routing_by_rule_roster_and_control_room(dispatch: Any) -> None:
    async with dispatch.client("project_manager") as pm:
        assert (await pm.put(ORG, json=demo_organisation("SUNNY"))).status_code == 200
    async with dispatch.client("supervisor") as sup:
        cleaning = await preview(sup, TUESDAY_10, category="cleaning_greening")
        assert (cleaning["kind"], cleaning["person_id"], cleaning["name"], cleaning["rule_id"]) == (
            "person",
            "sunny-env1",
            "陈丽",
            "environment",
        )
        entrapment = {"urgency": "urgent", "skills": ["lift"]}
        night = await preview(sup, WEDNESDAY_3AM, **entrapment)
        assert (night["kind"], night["team_id"], night["person_id"], night["name"]) == (
            "control_room",
            "ctl",
            "sunny-ctl2",
            "赵磊",
        )
        holiday = await preview(sup, NATIONAL_DAY_10, **entrapment)
        assert (holiday["person_id"], holiday["name"]) == ("sunny-eng3", "周海")  # the rest-day engineer
        makeup = await preview(sup, MAKEUP_SATURDAY_10, **entrapment)
        assert makeup["person_id"] == "sunny-eng1"  # a 调休 Saturday is a working day
        on_duty = await sup.get(f"{ORG}/on-duty", params={"role": "control_room", "at": WEDNESDAY_3AM})
        assert [p["person_id"] for p in on_duty.json()] == ["sunny-ctl2"]


async def test_contractors_returns_leave_and_load(dispatch: Any) -> None:
    async with dispatch.client("project_manager") as pm:
        assert (await pm.put(ORG, json=demo_organisation("SUNNY"))).status_code == 200
        lift = await preview(pm, WEDNESDAY_3AM, skills=["lift"])
        assert (lift["kind"], lift["contractor_id"], lift["name"]) == ("contractor", "c-lift", "迅达电梯维保")
        fire_day = await preview(pm, TUESDAY_10, skills=["fire"])
        assert (fire_day["kind"], fire_day["contractor_id"]) == ("contractor", "c-fire-sunny")
        fire_night = await preview(pm, "2026-12-01T22:00:00+08:00", skills=["fire"])
        assert (fire_night["kind"], fire_night["person_id"]) == ("control_room", "sunny-ctl2")

        returned = await preview(pm, TUESDAY_10, category="cleaning_greening", exclude=["env"])
        assert returned["team_id"] != "env" and returned["kind"] == "control_room"

        assert (await preview(pm, TUESDAY_10))["person_id"] == "sunny-eng1"  # 0 : 0 open, person id decides
        ledger = LedgerIndex(dispatch.mongo)  # the open-task counts the lifecycle keeps (WorkloadPort)
        for i in range(2):  # two open tasks of 王建国
            await ledger.record(Row(id=f"T-{i}", estate="SUNNY", status="assigned", handler="sunny-eng1"))
        await ledger.record(Row(id="T-done", estate="SUNNY", status="closed", handler="sunny-eng2"))
        balanced = await preview(pm, TUESDAY_10)
        assert balanced["person_id"] == "sunny-eng2" and "0 open" in balanced["reason"]

        leave = {"person_id": "sunny-eng2", "role": "handler", "day": "2026-12-01", "on_duty": False}
        assert (await pm.post(f"{ORG}/overrides", json=leave)).status_code == 200
        assert (await preview(pm, TUESDAY_10))["person_id"] == "sunny-eng1"  # 李志强 on leave: the only one left
        assert (await pm.delete(f"{ORG}/overrides/sunny-eng2/2026-12-01")).status_code == 200
        assert (await preview(pm, TUESDAY_10))["person_id"] == "sunny-eng2"


async def test_estate_without_organisation_uses_the_department_map(dispatch: Any) -> None:
    async with dispatch.client("admin", ("*",)) as admin:
        missing = await admin.post(f"{ORG}/route-preview", json={"category": "engineering"})
        assert missing.status_code == 404  # the preview needs an organisation …
    router = OrgRouter(MongoOrgRepository(dispatch.mongo), LedgerIndex(dispatch.mongo))
    at = datetime.fromisoformat(TUESDAY_10)
    request = RoutingRequest("JADE", "T-1", "fees_finance", "general", "unit", None, None, None, at)
    chosen = await router.route(request)  # … the lifecycle's router falls back to the department map
    assert (chosen.kind, chosen.department, chosen.person_id) == ("team", "finance", None)
