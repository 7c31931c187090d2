"""Issue #9 shape for insights: every role × every operation against its permission table (403 exactly
where the table says, 401 without a token, never a 5xx; a route missing from ROUTES fails), then every
allowed role × own / other estate on real data in SUNNY (three lift complaints today: figures and a
warning): another estate's token never reads SUNNY's figures, warnings or thresholds, nor writes them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest
from insights_harness import SECRET, serve, settings_for
from seed_data import _event, _received, _triaged

from pm_common import topics
from pm_common.events.payloads import Location
from pm_common.kafka import KafkaPublisher
from pm_common.mongo import Mongo
from pm_common.testing import poll_until
from pm_common.testing.fixtures import Engines
from pm_common.testing.matrix import OPEN, authorization_failures, route_map_failures
from pm_common.testing.matrix_scope import Scope, scope_failures
from pm_insights.domain.thresholds import Thresholds
from pm_insights.entrypoints.api import create_app
from pm_insights.entrypoints.permissions import PERMISSIONS

pytestmark = pytest.mark.integration

ROUTES = {
    "GET /livez": OPEN,
    "GET /readyz": OPEN,
    "GET /healthz": OPEN,
    "GET /metrics": OPEN,
    "GET /v1/statistics": "insights.statistics.read",
    "GET /v1/warnings": "insights.warnings.read",
    "GET /v1/warnings/{warning_id}": "insights.warnings.read",
    "GET /v1/estates/{estate_id}/warning-thresholds": "insights.thresholds.read",
    "PUT /v1/estates/{estate_id}/warning-thresholds": "insights.thresholds.write",
    "GET /v1/reports/{kind}": "insights.reports.read",
}


async def test_every_role_and_estate_on_every_insights_route_matches_the_permission_table(
    engines: Engines, mongo: Mongo, topic_prefix: str, publisher: KafkaPublisher
) -> None:
    now = datetime.now(UTC)
    for i in range(3):
        cid, at = f"m{i}", now - timedelta(seconds=10 - i)
        received = _received(cid, "SUNNY", "phone", at, Location(building="3", room=cid))
        await publisher.publish(*_event(topics.COMPLAINT_RECEIVED, received, at))
        await publisher.publish(*_event(topics.COMPLAINT_TRIAGED, _triaged(cid, "SUNNY", "engineering", at), at))
    async with serve(settings_for(engines, mongo.db.name, topic_prefix)) as insights, insights.client() as lead:
        day = (now + timedelta(hours=8)).date().isoformat()
        listed = await poll_until(lambda: _warnings(lead), timeout=60, what="the seeded warning")
        warning_id = listed[0]["warning_id"]
        bare = httpx.AsyncClient(base_url=insights.url, timeout=30)
        result = await authorization_failures(bare, create_app(), PERMISSIONS, ROUTES, secret=SECRET)
        assert not result.failures, "\n".join(result.failures)
        assert result.denied >= 20

        scope = Scope(
            own_estate="SUNNY",
            other_estate="JADE",
            params={"estate_id": "SUNNY", "warning_id": warning_id, "kind": "weekly"},
            secrets=(warning_id, "SUNNY", "m0"),
            bodies={"PUT /v1/estates/{estate_id}/warning-thresholds": Thresholds().model_dump()},
            queries={"GET /v1/statistics": {"since": day, "until": day}, "GET /v1/reports/{kind}": {"day": day}},
        )
        scoped = await scope_failures(bare, insights.server.config.app, PERMISSIONS, ROUTES, scope, secret=SECRET)
        assert not scoped.failures, "\n".join(scoped.failures)
        assert scoped.denied >= 6
        # the seeded figures are visible to the own estate (the check above has teeth)
        own = (await lead.get("/v1/statistics", params={"since": day, "until": day, "estate_id": "SUNNY"})).json()
        assert own["complaints"] == 3
        await bare.aclose()


async def _warnings(client: httpx.AsyncClient) -> list[dict[str, object]] | None:
    items: list[dict[str, object]] = (await client.get("/v1/warnings")).json()["items"]
    return items or None


def test_a_new_route_without_an_entry_fails_the_matrix() -> None:
    routes = {k: v for k, v in ROUTES.items() if k != "GET /v1/warnings"}
    failures = route_map_failures(create_app(), PERMISSIONS, {**routes, "GET /v1/gone": "insights.warnings.read"})
    assert failures == [
        "GET /v1/warnings: route not in the permission route map",
        "GET /v1/gone: in the route map but not an operation of the app",
    ]
