"""Issue #9 for dispatch: schemathesis against dispatch's OpenAPI document on the real service (real
DB and broker): every operation, a bounded number of generated requests each, every answer as
documented (status codes, bodies, content types; no 5xx; authentication enforced where declared)."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from conftest import SECRET, Dispatch
from pm_common.auth import issue_token
from pm_common.testing.fuzz import fuzz_failures

pytestmark = pytest.mark.integration


async def test_schemathesis_finds_no_server_error_and_no_undocumented_answer(dispatch: Dispatch) -> None:
    async with httpx.AsyncClient(base_url=dispatch.url) as client:
        document: dict[str, Any] = dict((await client.get("/openapi.json")).json())
    sup = {"Authorization": f"Bearer {issue_token(SECRET, 'fuzz-sup', 'supervisor', ['*'])}"}
    pm = {"Authorization": f"Bearer {issue_token(SECRET, 'fuzz-pm', 'project_manager', ['*'])}"}
    handler = {"Authorization": f"Bearer {issue_token(SECRET, 'fuzz-h', 'handler', ['*'])}"}
    notifier = {"Authorization": f"Bearer {issue_token(SECRET, 'service:notifier', 'integration', ['*'])}"}
    per_operation = {op: pm for op in _operations(document) if "/organisation" in op}
    per_operation["POST /v1/tasks/{task_id}/owner-contact"] = handler
    per_operation["GET /internal/v1/people/{person_id}/contact"] = notifier
    ran, failures = await asyncio.to_thread(
        fuzz_failures, document, dispatch.url, sup, headers_for=per_operation, max_examples=5
    )
    assert ran >= 45
    assert not failures, "\n\n".join(failures)


def _operations(document: dict[str, Any]) -> list[str]:
    return [f"{m.upper()} {p}" for p, ops in document["paths"].items() for m in ops]
