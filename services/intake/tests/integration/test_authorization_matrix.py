"""Issue #9: every role × every intake operation against the permission table (403 exactly where the
table says, 401 without a token, never a 5xx); a route missing from ROUTES fails the test."""

from __future__ import annotations

import httpx
import pytest

from pm_common.mongo import Mongo
from pm_common.testing import poll_until
from pm_common.testing.fixtures import Engines
from pm_common.testing.matrix import OPEN, OWN_AUTH, authorization_failures
from pm_intake.entrypoints.api import create_app
from pm_intake.entrypoints.permissions import PERMISSIONS

from .conftest import SECRET, settings_for

pytestmark = pytest.mark.integration

ROUTES = {
    "GET /livez": OPEN,
    "GET /readyz": OPEN,
    "GET /healthz": OPEN,
    "GET /metrics": OPEN,
    "POST /v1/complaints": "complaint.file",
    "POST /v1/complaints/batch": "complaint.file",
    "GET /v1/complaints": "complaint.read",
    "GET /v1/complaints/{complaint_id}": "complaint.read",
    "POST /v1/complaints/{complaint_id}/readback": "complaint.readback.confirm",
    "POST /v1/complaints/{complaint_id}/notes": "complaint.note",
    "POST /v1/complaints/{complaint_id}/reveal": "complaint.reveal",
    "GET /v1/complaints/{complaint_id}/audit": "complaint.audit.read",
    "PUT /v1/complaints/{complaint_id}/subjects": "complaint.subjects.edit",
    "GET /v1/admin/integrations": "integration.manage",
    "POST /v1/admin/integrations": "integration.manage",
    "POST /v1/admin/integrations/{key_id}/revoke": "integration.manage",
    # owners (one-time code / owner token) and Open311 (API key) authenticate on their own
    "POST /v1/owner/otp": OWN_AUTH,
    "POST /v1/owner/session": OWN_AUTH,
    "GET /v1/owner/complaints": OWN_AUTH,
    "GET /v1/owner/complaints/{complaint_id}": OWN_AUTH,
    "POST /v1/owner/complaints/{complaint_id}/supplements": OWN_AUTH,
    "POST /v1/owner/complaints/{complaint_id}/withdraw": OWN_AUTH,
    # the notifier's contact lookup: the integration role and, beyond the table, one service identity
    "GET /internal/v1/complaints/{complaint_id}/contact": OWN_AUTH,
    "GET /open311/v2/services.json": OPEN,
    "GET /open311/v2/services/{service_code}.json": OPEN,
    "GET /open311/v2/requests.json": OWN_AUTH,
    "POST /open311/v2/requests.json": OWN_AUTH,
    "GET /open311/v2/requests/{service_request_id}.json": OWN_AUTH,
}


async def test_every_role_on_every_intake_route_matches_the_permission_table(
    engines: Engines, mongo: Mongo, topic_prefix: str
) -> None:
    app = create_app(settings_for(engines, mongo, topic_prefix, rate_limit_requests=100_000))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://intake") as client:
            await poll_until(lambda: _ready(client), what="intake ready")
            result = await authorization_failures(client, app, PERMISSIONS, ROUTES, secret=SECRET)
    assert not result.failures, "\n".join(result.failures)
    assert result.denied >= 40  # the matrix really refused (8 roles x 15 guarded routes minus the allowed)


async def test_admin_and_contractor_read_no_complaint_and_handlers_reveal_nothing(
    engines: Engines, mongo: Mongo, topic_prefix: str
) -> None:
    assert "admin" not in PERMISSIONS["complaint.read"] | PERMISSIONS["complaint.reveal"]
    assert not {"contractor", "integration"} & PERMISSIONS["complaint.read"]
    assert PERMISSIONS["complaint.reveal"] == {"front_desk", "supervisor", "project_manager"}


async def _ready(client: httpx.AsyncClient) -> bool:
    return (await client.get("/readyz")).status_code == 200
