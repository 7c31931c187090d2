"""Issue #9 for dispatch: every operation of the OpenAPI × every role against the one permission table
(403 exactly where it says, 401 without a token, never a 5xx; a route missing from ROUTES fails),
then the row level: every task route × every role × own / other estate × own / other task, and every
organisation route × role × own / other estate — on the real service and database."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from conftest import SECRET
from pm_common.auth import Role, issue_token
from pm_common.mongo import Mongo
from pm_common.permissions import ALL_ROLES
from pm_common.testing import poll_until
from pm_common.testing.fixtures import Engines, service_settings_values
from pm_common.testing.matrix import authorization_failures
from pm_dispatch.bootstrap import adapters_of
from pm_dispatch.config import DispatchSettings
from pm_dispatch.domain.access import OWN_TASKS_ONLY
from pm_dispatch.domain.task import AssigneeRecord, Task
from pm_dispatch.entrypoints.api import create_app
from pm_dispatch.entrypoints.permissions import OPEN, OWN_AUTH, PERMISSIONS, ROUTES

pytestmark = pytest.mark.integration
NOW = datetime.now(UTC)
DENIED = (403, 404)  # refused, or not even visible (a task of someone else / another estate)
LATER, EARLIER = (NOW + timedelta(days=5)).isoformat(), (NOW - timedelta(days=1)).isoformat()
# Valid bodies, so that a request reaches the row-level check (which needs the task) instead of
# stopping at validation; chosen to leave the assignee in place (an accepted task cannot be
# returned; a visit in the past is refused) so each role's tasks stay its own / someone else's.
BODIES: dict[str, dict[str, object]] = {
    "return": {"reason_code": "other", "note": "不是本部门"},
    "appointment": {"visit_at": EARLIER},
    "check-in": {},
    "resolve": {"handling_mode": "explanation", "result_summary": "已向业主说明"},
    "verify": {},
    "reopen": {"reason": "回访不满意"},
    "cancel": {"reason": "duplicate"},
    "reassign": {"reason": "改派给他人"},
    "pause": {"reason": "parts"},
    "notes": {"kind": "internal", "text_zh": "内部备注"},
    "plan": {"steps": [{"description": "第一步", "owner": "x", "due": LATER}]},
    "extensions": {"reason": "配件未到", "new_resolve_by": LATER},
    "decision": {"approve": True},
    "subtasks": {"category": "cleaning_greening"},
    "consultations": {"participants": ["engineering"], "summary": "会商内容", "decision": "各自处理"},
    "owner-contact": {"purpose": "联系业主"},
}


@pytest.fixture
async def served(engines: Engines, mongo: Mongo, topic_prefix: str) -> AsyncIterator[tuple[httpx.AsyncClient, object]]:
    app = create_app(DispatchSettings(**service_settings_values(engines, mongo.db.name, topic_prefix, SECRET)))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://dispatch") as client:
            await poll_until(lambda: _ready(client), what="dispatch ready")
            yield client, app


async def _ready(client: httpx.AsyncClient) -> bool:
    return (await client.get("/readyz")).status_code == 200


def _auth(role: str, sub: str, estates: tuple[str, ...]) -> dict[str, str]:
    return {"Authorization": f"Bearer {issue_token(SECRET, sub, role, list(estates))}"}  # type: ignore[arg-type]


def _task(task_id: str, holder: str, contractor: bool) -> Task:
    who = {"contractor_id": holder} if contractor else {"person_id": holder}
    kind = "contractor" if contractor else "person"
    return Task(
        id=task_id,
        complaint_id=task_id.removeprefix("T-"),
        estate_id="SUNNY",
        status="assigned",
        category="customer_service",
        created_at=NOW,
        assigned_at=NOW,
        due_at=NOW,
        assignee=AssigneeRecord(kind=kind, department="customer_service", **who),  # type: ignore[arg-type]
    )


async def test_every_role_on_every_dispatch_route_matches_the_permission_table(
    served: tuple[httpx.AsyncClient, object],
) -> None:
    client, app = served
    result = await authorization_failures(client, app, PERMISSIONS, ROUTES, secret=SECRET)  # type: ignore[arg-type]
    assert not result.failures, "\n".join(result.failures)
    assert result.denied >= 150  # the matrix really refused


async def test_row_level_own_and_other_estate_and_task_on_every_task_and_org_route(
    served: tuple[httpx.AsyncClient, object],
) -> None:
    client, app = served
    repo = adapters_of(app.state.runtime).repo  # type: ignore[attr-defined]
    for role in sorted(ALL_ROLES):
        await repo.add(_task(f"T-own-{role}", f"me-{role}", role == "contractor"))
        await repo.add(_task(f"T-other-{role}", f"someone-else-{role}", role == "contractor"))
    failures: list[str] = []
    checked = 0
    task_ops = [op for op, a in ROUTES.items() if "{task_id}" in op and a not in (OPEN, OWN_AUTH)]
    org_ops = [op for op, a in ROUTES.items() if "{estate_id}" in op]
    assert len(task_ops) >= 25 and len(org_ops) >= 15
    for role in sorted(ALL_ROLES):
        for estates in (("SUNNY",), ("JADE",)):
            headers = _auth(role, f"me-{role}", estates)
            for op in task_ops:
                method, path = op.split(" ", 1)
                allowed = role in PERMISSIONS[ROUTES[op]]
                for whose in ("own", "other"):
                    url = path.replace("{task_id}", f"T-{whose}-{role}").replace("{n}", "1")
                    body = BODIES.get(path.rsplit("/", 1)[-1], {}) if method == "POST" else None
                    status = (await client.request(method, url, json=body, headers=headers)).status_code
                    checked += 1
                    visible = estates == ("SUNNY",) and (whose == "own" or role not in OWN_TASKS_ONLY)
                    case = f"{op} as {role} in {estates[0]} on the {whose} task: {status}"
                    if status >= 500:
                        failures.append(case)
                    elif not allowed and status != 403:
                        failures.append(case + ", expected 403 (role)")
                    elif allowed and not visible and status not in DENIED:
                        failures.append(case + ", expected 403/404 (row level)")
                    elif allowed and visible and status in (401, 403, 404):
                        failures.append(case + ", expected to be let through")
            for op in org_ops:
                method, path = op.split(" ", 1)
                url = path.replace("{estate_id}", "SUNNY")
                for name in ("team_id", "person_id", "contractor_id", "rule_id"):
                    url = url.replace("{" + name + "}", "x")
                url = url.replace("{day}", "2026-12-01")
                body = {} if method in ("POST", "PUT") else None
                status = (await client.request(method, url, json=body, headers=headers)).status_code
                checked += 1
                allowed = role in PERMISSIONS[ROUTES[op]]
                case = f"{op} as {role} in {estates[0]}: {status}"
                if status >= 500:
                    failures.append(case)
                elif (not allowed or estates == ("JADE",)) and status != 403:
                    failures.append(case + ", expected 403")
                elif allowed and estates == ("SUNNY",) and status in (401, 403):
                    failures.append(case + ", expected to be let through")
    assert not failures, "\n".join(failures)
    assert checked >= 8 * 2 * (25 * 2 + 15)
    # the ledger: handlers and contractors list their own tasks only, other estates nothing
    for role in ("handler", "contractor"):
        mine = (await client.get("/v1/tasks", headers=_auth(role, f"me-{role}", ("SUNNY",)))).json()
        assert [t["task_id"] for t in mine["items"]] == [f"T-own-{role}"]
    elsewhere = (await client.get("/v1/tasks", headers=_auth("supervisor", "sup-9", ("JADE",)))).json()
    assert elsewhere["items"] == [] and elsewhere["total"] == 0


def test_roles_the_matrix_knows() -> None:
    assert set(PERMISSIONS["task.contact.reveal"]) == {"handler", "contractor"}
    assert not {"integration", "contractor"} & PERMISSIONS["org.read"]
    roles: set[Role] = set()
    for granted in PERMISSIONS.values():
        roles |= granted
    assert roles <= ALL_ROLES
