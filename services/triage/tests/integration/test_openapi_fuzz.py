"""Issue #9 item 9: schemathesis against triage's OpenAPI document on the real service (real DB and
broker): every operation, a bounded number of generated requests each, every answer as documented
(status codes, bodies, content types; no 5xx; authentication enforced where declared)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import httpx
import pytest

from pm_common.auth import issue_token
from pm_common.mongo import Mongo
from pm_common.testing.fuzz import fuzz_failures
from pm_triage.config import TriageSettings

from .conftest import SECRET, serve

pytestmark = pytest.mark.integration


async def test_schemathesis_finds_no_server_error_and_no_undocumented_answer(
    triage_settings: Callable[..., TriageSettings], mongo: Mongo
) -> None:
    async with serve(triage_settings(incidents_enabled=False), mongo) as triage:
        async with httpx.AsyncClient(base_url=triage.url) as client:
            document = dict((await client.get("/openapi.json")).json())
        supervisor = {"Authorization": f"Bearer {issue_token(SECRET, 'fuzz-sup', 'supervisor', ['*'])}"}
        ran, failures = await asyncio.to_thread(fuzz_failures, document, triage.url, supervisor, max_examples=6)
    assert ran >= 15
    assert not failures, "\n\n".join(failures)
