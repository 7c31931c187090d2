"""Schemathesis against a running service's OpenAPI document: generated requests for every operation,
every response checked against the document (status code documented, body schema, content type,
headers, no 5xx, authentication enforced where declared, …: schemathesis' checks).

``fuzz_failures`` is blocking (schemathesis sends with ``requests``): run it in a thread while the
service serves on the test's event loop (``await asyncio.to_thread(fuzz_failures, ...)``). Examples
per operation are bounded (``max_examples``) and not stored, so the suite stays fast and repeatable
in its bounds. Each generated request is independent: no response is reused for the next one.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import hypothesis
import schemathesis
from hypothesis import HealthCheck, Phase
from schemathesis.config import SchemathesisConfig
from schemathesis.core.result import Ok

# Schema-valid input may still break a business rule (an unknown estate, an item in the wrong state):
# those are documented 4xx answers, so "accepted" means any of these for the positive-data check.
CONFIG = SchemathesisConfig.from_dict(
    {"checks": {"positive_data_acceptance": {"expected-statuses": ["2xx", "401", "403", "404", "409", "422", "429"]}}}
)


def fuzz_failures(
    document: dict[str, Any],
    base_url: str,
    headers: Mapping[str, str] | None = None,
    *,
    max_examples: int = 8,
    skip: tuple[str, ...] = (),
    headers_for: Mapping[str, Mapping[str, str]] | None = None,
) -> tuple[int, list[str]]:
    """(operations run, one line per failing operation). ``headers_for``: per operation label
    (``"POST /v1/things"``) the credentials to send instead of ``headers``."""
    schema = schemathesis.openapi.from_dict(document, config=CONFIG)
    failures: list[str] = []
    ran = 0
    for result in schema.get_all_operations():
        if not isinstance(result, Ok):
            failures.append(f"invalid operation in the document: {result.err()}")
            continue
        operation = result.ok()
        if operation.label in skip:
            continue
        sent = dict((headers_for or {}).get(operation.label, headers or {}))
        ran += 1
        try:
            _check(operation, base_url, sent, max_examples)
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException as exc:  # schemathesis' FailureGroup is a BaseExceptionGroup: collect, go on
            failures.append(f"{operation.label}: {type(exc).__name__}: {str(exc)[:6000]}")
    return ran, failures


def _check(operation: Any, base_url: str, sent: dict[str, str], max_examples: int) -> None:
    @hypothesis.settings(
        max_examples=max_examples,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @hypothesis.given(case=operation.as_strategy())
    def check(case: Any) -> None:
        response = case.call(base_url=base_url, headers=sent, timeout=30)
        case.validate_response(response, headers=sent)

    check()
