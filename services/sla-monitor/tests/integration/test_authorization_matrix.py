"""Issue #9: every role × every SLA-monitor operation against its permission table (403 exactly where
the table says, 401 without a token, never a 5xx; a route missing from ROUTES fails), then every
allowed role × own / other estate × own / other item on a real task with clocks in SUNNY: another
estate's token never reads its clocks, policy or overdue entry, nor writes its policy; a handler's
overdue list holds only their own items; a staff member the task's complaint is about (被投诉人, named by
``complaint.subjects_changed``) fares as another estate on its clocks, timer and the overdue lists."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from sla_harness import SECRET, new_id, serve
from stage_kit import assign_v2, local

from pm_common import topics
from pm_common.auth import issue_token
from pm_common.events.subjects import ComplaintSubjectsChanged
from pm_common.testing import poll_until
from pm_common.testing.matrix import OPEN, authorization_failures, route_map_failures
from pm_common.testing.matrix_scope import Scope, scope_failures
from pm_sla_monitor.entrypoints.api import create_app
from pm_sla_monitor.entrypoints.permissions import PERMISSIONS

pytestmark = pytest.mark.integration
SUBJECT = "matrix-subject"  # the staff member the seeded task's complaint is about

ROUTES = {
    "GET /livez": OPEN,
    "GET /readyz": OPEN,
    "GET /healthz": OPEN,
    "GET /metrics": OPEN,
    "GET /v1/clocks/{item_id}": "sla.clock.read",
    "GET /v1/timers/{task_id}": "sla.clock.read",
    "GET /v1/schedule": "sla.schedule.read",
    "GET /v1/estates/{estate_id}/sla-policy": "sla.policy.read",
    "PUT /v1/estates/{estate_id}/sla-policy": "sla.policy.write",
    "GET /v1/estates/{estate_id}/sla-policy/history": "sla.policy.read",
    "GET /v1/sla/overdue": "sla.overdue.read",
    "GET /v1/sla/compliance": "sla.compliance.read",
}
POLICY = {"repair_working_days": 3, "warning_fractions": [0.5, 0.8]}


async def test_every_role_and_estate_on_every_sla_route_matches_the_permission_table(  # type: ignore[no-untyped-def]
    sla_settings, driver, clock
) -> None:
    monday = local(2026, 12, 7, 9, 0)
    clock.set(monday)
    task = new_id()
    async with serve(sla_settings(escalation_step_seconds=None), clock) as sla, sla.client() as client:
        assert (await client.put("/v1/estates/SUNNY/sla-policy", json=POLICY)).status_code == 200
        await assign_v2(driver, task, monday - timedelta(days=10), monday - timedelta(days=1), person="matrix-owner")
        await driver.armed(task)
        about = ComplaintSubjectsChanged(
            complaint_id=f"c-{task}", estate_id="SUNNY", subject_staff_ids=(SUBJECT,), revision=1, changed_at=monday
        )
        await driver.publish(topics.COMPLAINT_SUBJECTS_CHANGED, about)
        subjects = driver.mongo.collection("complaint_subjects")
        await poll_until(lambda: subjects.find_one({"_id": f"c-{task}"}), what="the complaint's subjects")

        bare = httpx.AsyncClient(base_url=sla.url, timeout=20)  # no default token
        result = await authorization_failures(bare, create_app(), PERMISSIONS, ROUTES, secret=SECRET)
        assert not result.failures, "\n".join(result.failures)
        assert result.denied >= 25

        scope = Scope(
            own_estate="SUNNY",
            other_estate="JADE",
            params={"item_id": task, "task_id": task, "estate_id": "SUNNY"},
            secrets=(task, "SUNNY"),
            bodies={"PUT /v1/estates/{estate_id}/sla-policy": POLICY},
            queries={
                "GET /v1/sla/overdue": {"within_hours": "720"},
                "GET /v1/sla/compliance": {"since": "2026-11-01T00:00:00Z", "until": "2026-12-31T00:00:00Z"},
            },
            item_ops=frozenset({"GET /v1/sla/overdue"}),
            subject=SUBJECT,
            subject_ops=frozenset({"GET /v1/clocks/{item_id}", "GET /v1/timers/{task_id}", "GET /v1/sla/overdue"}),
        )
        scoped = await scope_failures(bare, sla.server.config.app, PERMISSIONS, ROUTES, scope, secret=SECRET)
        assert not scoped.failures, "\n".join(scoped.failures)
        assert scoped.denied >= 10

        # the seeded task is visible to its own estate and its own handler (the check above has teeth)
        owner = {"Authorization": f"Bearer {issue_token(SECRET, 'matrix-owner', 'handler', ['SUNNY'])}"}
        mine = (await client.get("/v1/sla/overdue", params={"within_hours": 720}, headers=owner)).json()
        assert [i["item_id"] for i in mine["items"]] == [task]
        assert (await client.get(f"/v1/clocks/{task}", headers=owner)).status_code == 200
        await bare.aclose()


def test_a_new_route_without_an_entry_fails_the_matrix() -> None:
    routes = {k: v for k, v in ROUTES.items() if k != "GET /v1/schedule"}
    failures = route_map_failures(create_app(), PERMISSIONS, {**routes, "GET /v1/gone": "sla.clock.read"})
    assert failures == [
        "GET /v1/schedule: route not in the permission route map",
        "GET /v1/gone: in the route map but not an operation of the app",
    ]
