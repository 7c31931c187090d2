"""Issue #9: every route of the console (its pages, their JSON calls, the owner pages) × every role
that can hold a console account × no session, against the console's permission table, on the real
DB with real sessions and CSRF tokens: 403 exactly for the roles the table leaves out, a page sends
a visitor without a session to the log-in page (a JSON call answers 401), never a 5xx other than the
upstream's 503 (intake and triage do not run here: an allowed call reaches them and reports them
unavailable). A route of the app missing from ROUTES fails the test.

Estate and item scope are not the console's to decide: it forwards every call to intake / triage
with a token of the session's role and estates only (checked below), and those services check
their own tables and the estate / item scope (their matrix tests)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, get_args

import httpx
import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute

from pm_common.auth import Role, verify_token
from pm_common.mongo import Mongo
from pm_common.testing import free_port, poll_until, unique_name
from pm_common.testing.fixtures import Engines
from pm_console.bootstrap import adapters_of
from pm_console.config import ConsoleSettings
from pm_console.entrypoints.api import create_app
from pm_console.entrypoints.deps import CSRF_HEADER, SESSION_COOKIE
from pm_console.entrypoints.permissions import PERMISSIONS
from pm_console.service_layer import auth

pytestmark = pytest.mark.integration
SECRET = "console-matrix-" + "x" * 32
OPEN = "<open>"  # log-in, probes, the owner pages and their calls (owners have no console session)
SESSION = "<any session>"  # log-out: any logged-in member of staff
ROLES: tuple[Role, ...] = tuple(r for r in get_args(Role) if r != "integration")  # no console account

ROUTES = {
    "GET /livez": OPEN,
    "GET /readyz": OPEN,
    "GET /healthz": OPEN,
    "GET /metrics": OPEN,
    "GET /login": OPEN,
    "POST /login": OPEN,
    "POST /logout": SESSION,
    "GET /": "console.home",
    "GET /desk": "desk.register",
    "POST /api/classify": "desk.classify",
    "POST /api/readback": "desk.register",
    "POST /api/complaints": "desk.register",
    "GET /ledger": "ledger.read",
    "GET /ledger/export.csv": "ledger.export",
    "GET /items/{complaint_id}": "item.read",
    "GET /reviews": "reviews.read",
    "POST /reviews/{complaint_id}": "reviews.decide",
    "GET /uploads/{name}": "item.read",
    "GET /ledger/export.xlsx": "ledger.export_xlsx",
    "GET /my-tasks": "queue.my_tasks",
    "GET /approvals": "queue.approvals",
    "GET /escalations": "queue.escalations",
    "GET /control-room": "queue.control_room",
    "GET /return-visits": "queue.return_visits",
    "GET /statistics": "insights.statistics",
    "GET /statistics/report": "insights.reports",
    "GET /warnings": "insights.warnings",
    "POST /items/{complaint_id}/return-visit": "return_visit.record",
    "POST /items/{complaint_id}/tasks/{task_id}/extensions/{n}": "task.extension.decide",
    # one route for every task step, each step its own entry in the table: checked here with accept
    "POST /items/{complaint_id}/tasks/{task_id}/{action}": "task.accept",
    "GET /incidents": "incidents.read",
    "GET /incidents/{incident_id}": "incidents.read",
    "POST /incidents/{incident_id}/review": "incidents.review",
    "POST /incidents/{incident_id}/resolve": "incidents.resolve",
    "GET /h5": OPEN,
    "POST /h5/api/complaints": OPEN,
    "POST /h5/api/uploads": OPEN,
    "POST /h5/api/otp": OPEN,
    "POST /h5/api/session": OPEN,
    "GET /h5/api/complaints": OPEN,
    "GET /h5/api/complaints/{complaint_id}": OPEN,
}
BODIES: dict[str, Any] = {
    "POST /api/classify": {"text": "3号楼电梯坏了", "estate_id": "SUNNY"},
    "POST /api/readback": {"channel": "phone", "content": "3号楼电梯坏了", "location": {"building": "3"}},
    "POST /api/complaints": {"estate_id": "SUNNY", "channel": "phone", "content": "3号楼电梯坏了"},
}


def app_operations(app: FastAPI) -> set[str]:
    """Every method × path the app routes (pages excluded from the OpenAPI document included)."""
    return set(_walk(app.routes, ""))


def _walk(routes: list[Any], prefix: str) -> list[str]:
    found: list[str] = []
    for route in routes:
        if isinstance(route, APIRoute):
            found += [f"{m} {prefix}{route.path}" for m in route.methods if m != "HEAD"]
        elif hasattr(route, "original_router"):  # an included router (FastAPI keeps it as such)
            found += _walk(route.original_router.routes, prefix + route.include_context.prefix)
    return found


@pytest.fixture
async def console(engines: Engines, tmp_path: Path) -> AsyncIterator[tuple[FastAPI, ConsoleSettings]]:
    settings = ConsoleSettings(
        mongo_url=engines.mongo_url,
        kafka_bootstrap=engines.kafka_bootstrap,
        mongo_db=unique_name("console_matrix_"),
        auth_secret=SECRET,
        env="test",
        upload_dir=tmp_path / "uploads",
        # nothing listens on any upstream (not even a local stack on the default ports): an allowed call gets 503
        intake_url=f"http://127.0.0.1:{free_port()}",
        triage_url=f"http://127.0.0.1:{free_port()}",
        dispatch_url=f"http://127.0.0.1:{free_port()}",
        sla_url=f"http://127.0.0.1:{free_port()}",
        notifier_url=f"http://127.0.0.1:{free_port()}",
        insights_url=f"http://127.0.0.1:{free_port()}",
    )
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        yield app, settings
        mongo = Mongo(engines.mongo_url, settings.mongo_db)
        await mongo.drop_database()
        mongo.close()


async def _logged_in(client: httpx.AsyncClient, app: FastAPI, role: Role) -> str:
    """A session of a new account of ``role`` serving SUNNY; returns its CSRF token."""
    adapters = adapters_of(app.state.runtime)
    username, password = unique_name(f"m{role[:4]}")[:20], "matrix-pass-2026!"
    now = datetime.now(UTC)
    await auth.create_account(username, password, role, role, ["SUNNY"], adapters.accounts, adapters.hasher, now)
    page = await client.get("/login")
    csrf = page.text.split('name="csrf" value="', 1)[1].split('"', 1)[0]
    done = await client.post(
        "/login",
        content=f"csrf={csrf}&username={username}&password={password}",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert done.status_code == 303, done.text
    session = await auth.current_session(
        client.cookies.get(SESSION_COOKIE), adapters.sessions, adapters.session_policy, now
    )
    # the console's reach into the platform: a token of the session's role and estates, nothing more
    claims = verify_token(SECRET, auth.platform_token(SECRET, session, 60))
    assert (claims.role, claims.estates) == (role, ("SUNNY",))
    return session.csrf


def _judge(op: str, who: str, allowed: bool, response: httpx.Response) -> str | None:
    status, page = response.status_code, not op.split(" ", 1)[1].startswith(("/api/", "/h5/api/"))
    if status >= 500 and status != 503:
        return f"{op} as {who}: {status} {response.text[:200]}"
    if who == "nobody":
        login = status == 303 and response.headers["location"].startswith("/login")
        return None if (login if page else status == 401) else f"{op} without a session: {status}"
    if not allowed and status != 403:
        return f"{op} as {who}: {status}, expected 403"
    if allowed and status in (401, 403):
        return f"{op} as {who}: {status} although allowed: {response.text[:200]}"
    return None


async def test_every_role_on_every_console_route_matches_the_permission_table(
    console: tuple[FastAPI, ConsoleSettings],
) -> None:
    app, _ = console
    found = app_operations(app)
    failures = [f"{op}: route not in ROUTES" for op in sorted(found - set(ROUTES))]
    failures += [f"{op}: in ROUTES but not a route" for op in sorted(set(ROUTES) - found)]
    failures += [
        f"{op}: {a!r} not in PERMISSIONS" for op, a in ROUTES.items() if a not in (OPEN, SESSION, *PERMISSIONS)
    ]
    denied = 0
    guarded = {op: a for op, a in ROUTES.items() if a != OPEN and op in found}
    for who in ("nobody", *ROLES):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://console", timeout=30) as client:
            await poll_until(lambda c=client: _ready(c), what="console ready")
            csrf = await _logged_in(client, app, who) if who != "nobody" else ""  # type: ignore[arg-type]
            for op, action in sorted(guarded.items(), key=lambda kv: kv[0] == "POST /logout"):  # log-out last
                method, path = op.split(" ", 1)
                url = path.replace("{complaint_id}", "C-matrix-1").replace("{name}", "0" * 32 + ".png")
                url = url.replace("{task_id}", "T-C-matrix-1").replace("{n}", "1").replace("{action}", "accept")
                url = url.replace("{incident_id}", "INC-matrix-1")
                allowed = action == SESSION or who in PERMISSIONS.get(action, frozenset())
                headers = {CSRF_HEADER: csrf} if csrf else {}
                if op == "POST /logout":  # a plain form post: its CSRF token is a form field
                    form = {"Content-Type": "application/x-www-form-urlencoded"}
                    response = await client.post(url, content=f"csrf={csrf}", headers=form)
                else:
                    response = await client.request(method, url, json=BODIES.get(op), headers=headers)
                if (problem := _judge(op, who, allowed, response)) is not None:
                    failures.append(problem)
                denied += response.status_code == 403
    assert not failures, "\n".join(failures)
    assert denied >= 30


async def _ready(client: httpx.AsyncClient) -> bool:
    return (await client.get("/readyz")).status_code == 200
