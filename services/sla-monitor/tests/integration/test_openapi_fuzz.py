"""Issue #9 item 9: schemathesis against the SLA monitor's OpenAPI document on the real service (real
DB and broker): every operation, a bounded number of generated requests each, every answer as
documented (status codes, bodies, content types; no 5xx; authentication enforced where declared)."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from sla_harness import SECRET, serve

from pm_common.auth import issue_token
from pm_common.testing.fuzz import fuzz_failures

pytestmark = pytest.mark.integration


async def test_schemathesis_finds_no_server_error_and_no_undocumented_answer(sla_settings, clock) -> None:  # type: ignore[no-untyped-def]
    async with serve(sla_settings(escalation_step_seconds=None), clock) as sla:
        async with httpx.AsyncClient(base_url=sla.url) as client:
            document = dict((await client.get("/openapi.json")).json())
        supervisor = {"Authorization": f"Bearer {issue_token(SECRET, 'fuzz-sup', 'supervisor', ['*'])}"}
        ran, failures = await asyncio.to_thread(fuzz_failures, document, sla.url, supervisor, max_examples=6)
    assert ran >= 12
    assert not failures, "\n\n".join(failures)
