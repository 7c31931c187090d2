"""schemathesis against the insights OpenAPI document on the real service (real DB and broker): every
operation, a bounded number of generated requests each, every answer as documented (no 5xx)."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from insights_harness import SECRET, serve, settings_for

from pm_common.auth import issue_token
from pm_common.mongo import Mongo
from pm_common.testing.fixtures import Engines
from pm_common.testing.fuzz import fuzz_failures

pytestmark = pytest.mark.integration


async def test_schemathesis_finds_no_server_error_and_no_undocumented_answer(
    engines: Engines, mongo: Mongo, topic_prefix: str
) -> None:
    async with serve(settings_for(engines, mongo.db.name, topic_prefix)) as insights:
        async with httpx.AsyncClient(base_url=insights.url) as client:
            document = dict((await client.get("/openapi.json")).json())
        supervisor = {"Authorization": f"Bearer {issue_token(SECRET, 'fuzz-sup', 'supervisor', ['*'])}"}
        ran, failures = await asyncio.to_thread(fuzz_failures, document, insights.url, supervisor, max_examples=6)
    assert ran >= 6
    assert not failures, "\n\n".join(failures)
