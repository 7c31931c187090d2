"""The OpenAPI document describes every intake endpoint in Chinese, with examples."""

from __future__ import annotations

import re

import pytest

from conftest import Intake

pytestmark = pytest.mark.integration
CJK = re.compile(r"[\u4e00-\u9fff]")


def _has_example(operation: dict) -> bool:  # type: ignore[type-arg]
    text = str(operation.get("requestBody", "")) + str(operation.get("responses", ""))
    return "example" in text


async def test_every_endpoint_has_a_chinese_summary_and_an_example(intake: Intake) -> None:
    async with intake.client() as client:
        spec = (await client.get("/openapi.json")).json()
        docs = await client.get("/docs")
    assert docs.status_code == 200
    operations = [(p, m, op) for p, ops in spec["paths"].items() for m, op in ops.items() if p not in ("/metrics",)]
    assert len(operations) >= 23
    for path, method, op in operations:
        assert CJK.search(op.get("summary", "")), f"{method} {path} has no Chinese summary"
        if path != "/healthz":
            assert _has_example(op), f"{method} {path} has no example"
    register = spec["paths"]["/v1/complaints"]["post"]["requestBody"]["content"]["application/json"]
    assert CJK.search(str(register["examples"])) and "anonymous" in register["examples"]
