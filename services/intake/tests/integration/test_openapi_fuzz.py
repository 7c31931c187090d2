"""Issue #9 item 9: schemathesis against intake's OpenAPI document on the real service (real DB and
broker): every operation, a bounded number of generated requests each, every answer as documented
(status codes, bodies, content types; no 5xx; authentication enforced where declared)."""

from __future__ import annotations

import asyncio

import pytest

from pm_common.auth import issue_token
from pm_common.testing.fuzz import fuzz_failures

from .conftest import SECRET, IntakeSettings, serve

pytestmark = pytest.mark.integration


async def test_schemathesis_finds_no_server_error_and_no_undocumented_answer(intake_settings, mongo) -> None:  # type: ignore[no-untyped-def]
    settings: IntakeSettings = intake_settings(rate_limit_requests=100_000)
    async with serve(settings, mongo) as intake:
        document = await _document(intake.url)
        desk = {"Authorization": f"Bearer {issue_token(SECRET, 'fuzz-desk', 'front_desk', ['*'])}"}
        admin = {"Authorization": f"Bearer {issue_token(SECRET, 'fuzz-admin', 'admin', ['*'])}"}
        per_operation = {
            "GET /v1/admin/integrations": admin,
            "POST /v1/admin/integrations": admin,
            "POST /v1/admin/integrations/{key_id}/revoke": admin,
        }
        ran, failures = await asyncio.to_thread(
            fuzz_failures, document, intake.url, desk, headers_for=per_operation, max_examples=6
        )
    assert ran >= 20
    assert not failures, "\n\n".join(failures)


async def _document(url: str) -> dict:  # type: ignore[type-arg]
    import httpx

    async with httpx.AsyncClient(base_url=url) as client:
        return dict((await client.get("/openapi.json")).json())
