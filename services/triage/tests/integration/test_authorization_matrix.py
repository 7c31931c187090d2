"""Issue #9 hole 2: every role × every triage operation against the permission table (403 exactly
where the table says, 401 without a token, never a 5xx); a route missing from ROUTES fails the test.
Contractors and integrations read no triage record, incident or configuration."""

from __future__ import annotations

import httpx
import pytest

from pm_common.auth import issue_token
from pm_common.mongo import Mongo
from pm_common.testing import poll_until
from pm_common.testing.fixtures import Engines
from pm_common.testing.matrix import OPEN, authorization_failures
from pm_triage.entrypoints.api import create_app
from pm_triage.entrypoints.permissions import PERMISSIONS

from .conftest import SECRET, settings_for

pytestmark = pytest.mark.integration

ROUTES = {
    "GET /livez": OPEN,
    "GET /readyz": OPEN,
    "GET /healthz": OPEN,
    "GET /metrics": OPEN,
    "POST /v1/classify": "triage.classify",
    "GET /v1/triages/{complaint_id}": "triage.read",
    "GET /v1/reviews": "triage.review.queue",
    "POST /v1/triages/{complaint_id}/review": "triage.review",
    "GET /v1/reviews/history": "triage.review.history",
    "GET /v1/estates/{estate_id}/lexicon": "lexicon.read",
    "PUT /v1/estates/{estate_id}/lexicon": "lexicon.write",
    "GET /v1/incidents": "incident.read",
    "GET /v1/incidents/{incident_id}": "incident.read",
    "POST /v1/incidents/{incident_id}/review": "incident.review",
    "POST /v1/incidents/{incident_id}/resolve": "incident.resolve",
}


async def test_every_role_on_every_triage_route_matches_the_permission_table(
    engines: Engines, mongo: Mongo, topic_prefix: str
) -> None:
    app = create_app(settings_for(engines, mongo, topic_prefix, incidents_enabled=False))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://triage") as client:
            await poll_until(lambda: _ready(client), what="triage ready")
            result = await authorization_failures(client, app, PERMISSIONS, ROUTES, secret=SECRET)
            # hole 2: the record of a real complaint is refused to contractors and integrations
            for role in ("contractor", "integration", "admin"):
                token = issue_token(SECRET, f"{role}-1", role, ["SUNNY"])
                response = await client.get("/v1/triages/any", headers={"Authorization": f"Bearer {token}"})
                assert response.status_code == 403 and response.json()["error"]["code"] == "forbidden"
    assert not result.failures, "\n".join(result.failures)
    assert result.denied >= 50  # 55 with the SLA-policy routes gone (they moved to the SLA monitor)


async def _ready(client: httpx.AsyncClient) -> bool:
    return (await client.get("/readyz")).status_code == 200
