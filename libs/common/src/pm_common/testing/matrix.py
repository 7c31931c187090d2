"""The authorization matrix: every role × every operation of a service's OpenAPI against its table.

A service's test gives its app (lifespan started, real DB), its ``PERMISSIONS`` table and a route map
``{"GET /v1/things/{thing_id}": "thing.read", "GET /livez": OPEN, ...}`` naming the action of every
operation. :func:`authorization_failures` then

1. requires the map to name exactly the operations of the app's OpenAPI document (a new route
   without an entry fails, and so does an entry whose route is gone) and only actions of the table;
2. sends each operation without a token (401 expected for every action-guarded one) and with a
   token of each role (scoped to every estate, path parameters ``x``, body ``{}``): 403 exactly for
   the roles the table leaves out, never a 403 for the others, and never a 5xx;
3. for ``OPEN`` operations (probes, catalogues) no role gets a 403 (a probe may say 503: not ready);
   ``OWN_AUTH`` ones (owner tokens, API keys) only must not fail with a 5xx.

The check runs before validation (``pm_common.permissions.requirement``), so a body of ``{}`` is
enough to see the decision: allowed roles get 2xx / 404 / 409 / 422, never 403.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx
from fastapi import FastAPI

from pm_common.auth import issue_token
from pm_common.permissions import ALL_ROLES, PermissionTable

OPEN = "<open>"  # public: probes, metrics, catalogues; no role may get a 403
OWN_AUTH = "<own-auth>"  # authenticated otherwise (owner tokens, API keys): only "never a 5xx" applies
MARKERS = (OPEN, OWN_AUTH)
_BODY_METHODS = {"post", "put", "patch"}


@dataclass
class MatrixResult:
    failures: list[str] = field(default_factory=list)
    requests: int = 0
    denied: int = 0  # 403s seen where the table says so

    def fail(self, message: str) -> None:
        self.failures.append(message)


def operations(app: FastAPI) -> set[str]:
    """``"METHOD /path"`` of every operation in the app's OpenAPI document."""
    paths: dict[str, dict[str, Any]] = app.openapi()["paths"]
    return {f"{method.upper()} {path}" for path, ops in paths.items() for method in ops}


def route_map_failures(app: FastAPI, table: PermissionTable, routes: Mapping[str, str]) -> list[str]:
    found = operations(app)
    failures = [f"{op}: route not in the permission route map" for op in sorted(found - set(routes))]
    failures += [f"{op}: in the route map but not an operation of the app" for op in sorted(set(routes) - found)]
    failures += [f"{op}: action {a!r} not in PERMISSIONS" for op, a in routes.items() if a not in (*MARKERS, *table)]
    return failures


async def authorization_failures(
    client: httpx.AsyncClient,
    app: FastAPI,
    table: PermissionTable,
    routes: Mapping[str, str],
    *,
    secret: str,
    path_value: str = "x",
) -> MatrixResult:
    """Run the matrix (``client`` talks to ``app``); returns what did not match the table."""
    result = MatrixResult(route_map_failures(app, table, routes))
    tokens = {role: issue_token(secret, f"matrix-{role}", role, ["*"]) for role in sorted(ALL_ROLES)}
    for op in sorted(set(routes) & operations(app)):
        action = routes[op]
        method, path = op.split(" ", 1)
        url = _fill(path, path_value)
        body: Any = {} if method.lower() in _BODY_METHODS else None
        if action not in MARKERS:
            status = (await client.request(method, url, json=body)).status_code
            result.requests += 1
            if status != 401:
                result.fail(f"{op}: without a token {status}, expected 401")
        for role, token in tokens.items():
            response = await client.request(method, url, headers={"Authorization": f"Bearer {token}"}, json=body)
            result.requests += 1
            status = response.status_code
            should_deny = action not in MARKERS and role not in table[action]
            if action == OPEN and status == 503:
                continue  # a probe reporting "not ready" is an answer, not an error
            if status >= 500:
                result.fail(f"{op} as {role}: {status} {response.text[:200]}")
            elif should_deny and status != 403:
                result.fail(f"{op} as {role}: {status}, expected 403 ({action} is not granted to {role})")
            elif not should_deny and status == 403 and action != OWN_AUTH:
                result.fail(f"{op} as {role}: 403 although allowed ({action}): {response.text[:200]}")
            elif should_deny:
                result.denied += 1
    return result


def _fill(path: str, value: str) -> str:
    out, rest = "", path
    while "{" in rest:
        head, _, tail = rest.partition("{")
        out += head + value
        rest = tail.partition("}")[2]
    return out + rest
