"""Issue #9 item 9: schemathesis against the notifier's OpenAPI document on the real service (real DB,
broker, local sink and contact directory): every operation, a bounded number of generated requests
each, every answer as documented (status codes, bodies, content types; no 5xx; authentication
enforced where declared). The gateways' routes run with an integration token."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from notifier_rig import SECRET, Rig

from pm_common.auth import issue_token
from pm_common.testing.fuzz import fuzz_failures

pytestmark = pytest.mark.integration


async def test_schemathesis_finds_no_server_error_and_no_undocumented_answer(rig: Rig) -> None:
    async with httpx.AsyncClient(base_url=rig.url) as client:
        document = dict((await client.get("/openapi.json")).json())
    supervisor = {"Authorization": f"Bearer {issue_token(SECRET, 'fuzz-sup', 'supervisor', ['*'])}"}
    gateway = {"Authorization": f"Bearer {issue_token(SECRET, 'fuzz-gw', 'integration', ['*'])}"}
    internal = {f"{m} {p}": gateway for p, ops in document["paths"].items() if p.startswith("/internal") for m in ops}
    per_operation = {label.split(" ")[0].upper() + " " + label.split(" ", 1)[1]: h for label, h in internal.items()}
    ran, failures = await asyncio.to_thread(
        fuzz_failures, document, rig.url, supervisor, headers_for=per_operation, max_examples=6
    )
    assert ran >= 18
    assert not failures, "\n\n".join(failures)
