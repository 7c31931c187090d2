"""The matrix's row-level half: every role the table allows × own / other estate × own / other item.

:func:`pm_common.testing.matrix.authorization_failures` checks the role dimension with tokens of
every estate and made-up ids. This one runs on **real items** the test seeded in one estate
(``scope.own_estate``): path parameters come from ``scope.params`` (a seeded item's id, the estate
id), write bodies from ``scope.bodies`` (valid ones, so the handler's own checks are reached), and
for each operation and each role the table allows it sends

- a token of the own estate (and, for ``scope.item_roles``, the seeded item's person as subject):
  never a 5xx, never the table's 403 (``forbidden``);
- a token of another estate: never a 5xx, never a 2xx on a write (403 / 404 / 409 / 422 are
  refusals), and no 2xx body that mentions a seeded item (``scope.secrets``: its ids; a read of the
  item itself echoes its id, so it must be refused) — another estate's lists stay empty of them;
- for ``scope.item_roles`` (handlers, contractors) on ``scope.item_ops``: a token of the own estate
  with another subject (not the item's person), checked like another estate;
- the 被投诉人 rule, on ``scope.subject_ops`` when ``scope.subject`` is set (a staff id the seeded
  complaint names among its ``subject_staff_ids``): every role the table allows, with a token of the
  own estate (group-wide too) belonging to that staff member, checked like another estate.

``OPEN`` / ``OWN_AUTH`` operations are left out (they take no staff token).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx
from fastapi import FastAPI

from pm_common.auth import Role, issue_token
from pm_common.permissions import PermissionTable
from pm_common.testing.matrix import _BODY_METHODS, MARKERS, MatrixResult, operations

_REFUSALS = {403, 404, 409, 422}


@dataclass
class Scope:
    own_estate: str
    other_estate: str
    params: Mapping[str, str]  # path parameter -> value of a seeded item / the own estate
    secrets: tuple[str, ...]  # strings only the seeded items' answers contain (their ids)
    bodies: Mapping[str, Any] = field(default_factory=dict)  # "PUT /v1/..." -> a valid body
    queries: Mapping[str, Mapping[str, str]] = field(default_factory=dict)  # "GET /v1/..." -> query
    item_roles: frozenset[Role] = frozenset({"handler", "contractor"})
    item_ops: frozenset[str] = frozenset()  # operations where a handler acts on its own items only
    item_subject: str = "matrix-owner"  # the seeded item's person (handler / contractor id)
    subject: str | None = None  # a staff member the seeded complaint is about (被投诉人)
    subject_ops: frozenset[str] = frozenset()  # operations that show or act on the seeded complaint


async def scope_failures(
    client: httpx.AsyncClient,
    app: FastAPI,
    table: PermissionTable,
    routes: Mapping[str, str],
    scope: Scope,
    *,
    secret: str,
) -> MatrixResult:
    result = MatrixResult()
    for op in sorted(set(routes) & operations(app)):
        action = routes[op]
        if action in MARKERS:
            continue
        method, path = op.split(" ", 1)
        url = _fill(path, scope.params, op)
        body = scope.bodies.get(op, {} if method.lower() in _BODY_METHODS else None)
        query = dict(scope.queries.get(op, {}))
        for role in sorted(table[action]):
            own_sub = scope.item_subject if role in scope.item_roles else f"matrix-{role}"
            cases = [("own", own_sub, scope.own_estate), ("other estate", own_sub, scope.other_estate)]
            if role in scope.item_roles and op in scope.item_ops:
                cases.append(("other item", f"matrix-other-{role}", scope.own_estate))
            if scope.subject is not None and op in scope.subject_ops:
                cases += [("subject", scope.subject, scope.own_estate), ("subject", scope.subject, "*")]
            for case, sub, estate in cases:
                token = issue_token(secret, sub, role, [estate])
                headers = {"Authorization": f"Bearer {token}"}
                response = await client.request(method, url, headers=headers, json=body, params=query)
                result.requests += 1
                _judge(result, op, role, case, response, writes=method.lower() != "get", scope=scope)
    return result


def _judge(
    result: MatrixResult, op: str, role: str, case: str, response: httpx.Response, *, writes: bool, scope: Scope
) -> None:
    status, text = response.status_code, response.text
    where = f"{op} as {role} ({case})"
    if status >= 500:
        result.fail(f"{where}: {status} {text[:200]}")
    elif case == "own":
        if status == 403 and _code(response) == "forbidden":
            result.fail(f"{where}: 403 although the table allows it: {text[:200]}")
    elif status < 300 and writes:
        result.fail(f"{where}: {status}, expected a refusal (403/404): {text[:200]}")
    elif status < 300 and any(s in text for s in scope.secrets):
        result.fail(f"{where}: {status} shows a seeded item of {scope.own_estate}: {text[:200]}")
    elif status >= 300:
        result.denied += status in _REFUSALS


def _code(response: httpx.Response) -> str | None:
    try:
        body = response.json()
    except ValueError:
        return None
    error = body.get("error") if isinstance(body, dict) else None
    return error.get("code") if isinstance(error, dict) else None


def _fill(path: str, params: Mapping[str, str], op: str) -> str:
    out, rest = "", path
    while "{" in rest:
        head, _, tail = rest.partition("{")
        name, _, rest = tail.partition("}")
        if name not in params:
            raise KeyError(f"{op}: no value for path parameter {name!r} in Scope.params")
        out += head + params[name]
    return out + rest
