"""The SLA monitor's API on the real engines: the policy (read, replace, history) owned here, the
console's overdue / due-soon and compliance queries, and the permission table with bilingual errors."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sla_harness import SECRET, new_id, serve
from stage_kit import assign_v2, lc, lifecycle, local

from pm_common import topics
from pm_common.auth import issue_token
from pm_common.testing import poll_until
from pm_sla_monitor.entrypoints.permissions import PERMISSIONS

pytestmark = pytest.mark.integration


def auth(role: str, sub: str = "u-1", estates: tuple[str, ...] = ("SUNNY",)) -> dict[str, str]:
    return {"Authorization": f"Bearer {issue_token(SECRET, sub, role, list(estates))}"}  # type: ignore[arg-type]


async def test_policy_queries_and_permissions(sla_settings, driver, clock, mongo) -> None:  # type: ignore[no-untyped-def]
    monday = local(2026, 12, 7, 9, 0)
    clock.set(monday)
    async with serve(sla_settings(escalation_step_seconds=None), clock) as sla, sla.client() as client:
        default = (await client.get("/v1/estates/SUNNY/sla-policy")).json()
        assert default["own"] is False and default["policy"]["repair_working_days"] == 2
        body = {
            "repair_working_days": 3,
            "warning_fractions": [0.8],
            "by_category": {"fees_finance": {"complaint_working_days": 5}},
        }
        handler = await client.put("/v1/estates/SUNNY/sla-policy", json=body, headers=auth("handler"))
        assert handler.status_code == 403 and handler.json()["error"]["message"].startswith("当前角色无权执行此操作")
        other = await client.put("/v1/estates/JADE/sla-policy", json=body)
        assert other.status_code == 403 and other.json()["error"]["message_en"] == "no access to this estate"
        bad = await client.put("/v1/estates/SUNNY/sla-policy", json={"warning_fractions": [1.5]})
        assert bad.status_code == 422 and "message_en" in bad.json()["error"]
        saved = await client.put("/v1/estates/SUNNY/sla-policy", json=body)
        assert saved.status_code == 200 and saved.json()["revision"] == 1
        await client.put("/v1/estates/SUNNY/sla-policy", json={**body, "repair_working_days": 4})
        history = (await client.get("/v1/estates/SUNNY/sla-policy/history")).json()["revisions"]
        assert [(h["revision"], h["policy"]["repair_working_days"]) for h in history] == [(2, 4), (1, 3)]

        # the estate's own policy is authoritative: a repair gets 4 working days whatever dispatch proposed
        late, soon, done = new_id(), new_id(), new_id()
        await poll_until(lambda: _own(client), what="policy applied")
        await assign_v2(driver, late, monday - timedelta(days=30), monday, person="h-1")
        await assign_v2(driver, soon, monday, monday + timedelta(hours=1), person="h-2", category="customer_service")
        await assign_v2(driver, done, monday, monday, person="h-1")
        await driver.armed(late, soon, done)
        repair = await mongo.collection("armed").find_one({"_id": f"{done}|resolve"})
        assert repair["d"] == local(2026, 12, 12)  # Mon + 4 working days (policy), not the proposed Monday 09:00
        await lifecycle(
            driver,
            topics.TASK_RESOLVED,
            lc.TaskResolved,
            done,
            monday + timedelta(hours=2),
            handling_mode="rectification",
            result_summary="修好了",
        )
        await poll_until(
            lambda: mongo.collection("clock_results").find_one({"_id": f"{done}|resolve|0"}), what="result"
        )

        overdue = (await client.get("/v1/sla/overdue", params={"within_hours": 24 * 30, "group_by": "person"})).json()
        by_person = overdue["groups"]
        assert by_person["h-1"]["overdue"] >= 1 and "h-2" in by_person
        mine = (
            await client.get("/v1/sla/overdue", headers=auth("handler", sub="h-2"), params={"within_hours": 720})
        ).json()
        assert {i["person_id"] for i in mine["items"]} == {"h-2"}  # a handler sees their own items only
        stage = (await client.get("/v1/sla/overdue", params={"stage": "resolve", "within_hours": 720})).json()
        assert set(stage["groups"]) == {"resolve"}

        period = {"since": (monday - timedelta(days=1)).isoformat(), "until": (monday + timedelta(days=1)).isoformat()}
        compliance = (await client.get("/v1/sla/compliance", params=period)).json()["stages"]
        assert compliance["resolve"]["met"] == 1 and compliance["resolve"]["compliance"] == 1.0
        assert (await client.get("/v1/sla/compliance", params=period, headers=auth("handler"))).status_code == 403
        backwards = await client.get("/v1/sla/compliance", params={"since": period["until"], "until": period["since"]})
        assert backwards.status_code == 422 and backwards.json()["error"]["message"] == "结束时间须晚于开始时间"
        clocks = (await client.get(f"/v1/clocks/{done}")).json()["clocks"]
        assert {c["stage"]: c["state"] for c in clocks} == {"resolve": "stopped", "return_visit": "running"}


async def _own(client) -> bool:  # type: ignore[no-untyped-def]
    return (await client.get("/v1/estates/SUNNY/sla-policy")).json()["own"]


def test_every_route_is_in_the_permission_table() -> None:
    from pm_sla_monitor.entrypoints import api, routes_policy, routes_queries

    routes = [r for m in (api, routes_policy, routes_queries) for r in m.router.routes]
    assert len(routes) == 8
    assert set(PERMISSIONS) == {
        "sla.clock.read",
        "sla.schedule.read",
        "sla.policy.read",
        "sla.policy.write",
        "sla.overdue.read",
        "sla.compliance.read",
    }
