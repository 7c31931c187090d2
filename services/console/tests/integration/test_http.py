"""The console process on the real DB (no other service needed): cookies, CSRF, roles, uploads."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from pm_common.devstack import CONSOLE, Stack
from pm_common.mongo import Mongo
from pm_common.testing import free_port, unique_name
from pm_common.testing.fixtures import Engines

pytestmark = pytest.mark.integration
PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000")


@pytest.fixture(scope="module")
async def console(engines: Engines, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[str]:
    tmp = tmp_path_factory.mktemp("console-http")
    db = unique_name("console_http_")
    env = {
        "MONGO_URL": engines.mongo_url,
        "KAFKA_BOOTSTRAP": engines.kafka_bootstrap,
        "PM_ENV": "test",
        "PM_AUTH_SECRET": "http-test-" + "x" * 32,
        "CONSOLE_MONGO_DB": db,
        "CONSOLE_UPLOAD_DIR": str(tmp / "uploads"),
        "CONSOLE_INTAKE_URL": f"http://127.0.0.1:{free_port()}",  # nothing listens: never reached here
        "CONSOLE_TRIAGE_URL": f"http://127.0.0.1:{free_port()}",
        **{f"CONSOLE_{name}_URL": f"http://127.0.0.1:{free_port()}" for name in ("DISPATCH", "SLA", "NOTIFIER")},
    }
    stack = Stack(log_dir=tmp / "logs", env=env, ports={"console": free_port()}, services=(CONSOLE,))
    stack.start()
    try:
        await asyncio.to_thread(stack.wait_healthy, 60.0)
        yield stack.url("console")
    finally:
        stack.stop()
        mongo = Mongo(engines.mongo_url, db)
        await mongo.drop_database()
        mongo.close()


async def _login(client: httpx.AsyncClient, username: str, password: str) -> httpx.Response:
    page = await client.get("/login")
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    return await client.post(
        "/login",
        content=f"csrf={csrf}&username={username}&password={password}&next=/desk",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )


def _csrf(page: httpx.Response) -> str:
    return re.search(r'data-csrf="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]


async def test_session_cookie_and_csrf(console: str) -> None:
    async with httpx.AsyncClient(base_url=console, timeout=20) as client:
        refused = await client.post("/login", content="username=desk.sunny&password=desk-demo-2026")
        assert refused.status_code == 403  # no pre-login token: a cross-site log-in form is refused
        done = await _login(client, "desk.sunny", "desk-demo-2026")
        assert done.status_code == 303 and done.headers["location"] == "/desk"
        cookie = done.headers["set-cookie"]
        assert "pm_console_session=" in cookie and "HttpOnly" in cookie and "SameSite=strict" in cookie
        desk = await client.get("/desk")
        assert desk.status_code == 200 and "default-src 'self'" in desk.headers["content-security-policy"]
        token = _csrf(desk)
        body = {"text": "电梯坏了", "estate_id": "SUNNY"}
        assert (await client.post("/api/classify", json=body)).status_code == 403  # no token
        wrong = await client.post("/api/classify", json=body, headers={"X-CSRF-Token": "x" * 32})
        assert wrong.json()["error"]["code"] == "csrf_rejected"
        other_site = await client.post(
            "/api/classify", json=body, headers={"X-CSRF-Token": token, "Origin": "https://evil.example"}
        )
        assert other_site.status_code == 403
        passed = await client.post("/api/classify", json=body, headers={"X-CSRF-Token": token})
        assert passed.status_code == 503  # the token passes; triage is not running in this test
        assert passed.json()["error"]["code"] == "unavailable"
        assert (await client.post("/logout", content="csrf=wrong")).status_code == 403
        out = await client.post("/logout", content=f"csrf={token}")
        assert out.status_code == 303
        gone = await client.post("/api/classify", json=body, headers={"X-CSRF-Token": token})
        assert gone.status_code == 401 and gone.json()["error"]["code"] == "not_logged_in"


async def test_roles_follow_the_permission_table(console: str) -> None:
    async with httpx.AsyncClient(base_url=console, timeout=20) as client:
        await _login(client, "lead", "lead-demo-2026")
        assert (await client.get("/")).headers["location"] == "/ledger"
        desk = await client.get("/desk")
        assert desk.status_code == 403 and "无权" in desk.text


async def test_task_actions_need_the_token_and_the_role(console: str) -> None:
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    async with httpx.AsyncClient(base_url=console, timeout=20) as client:
        await _login(client, "desk.sunny", "desk-demo-2026")
        csrf = _csrf(await client.get("/desk"))
        verify = "/items/c1/tasks/T-c1/verify"
        assert (await client.post(verify, content="note=ok", headers=form)).status_code == 403  # no token
        sent = await client.post(verify, content=f"csrf={csrf}&note=ok", headers=form)
        assert sent.status_code == 503 and "dispatch" in sent.text  # passed the console's checks; dispatch is down
        for refused in ("assign", "accept", "resolve", "close", "reopen"):  # not customer service's steps
            answer = await client.post(f"/items/c1/tasks/T-c1/{refused}", content=f"csrf={csrf}", headers=form)
            assert answer.status_code == 403, refused
        unknown = await client.post("/items/c1/tasks/T-c1/fly", content=f"csrf={csrf}", headers=form)
        assert unknown.status_code == 404
        visit = await client.post("/items/c1/return-visit", content=f"csrf={csrf}&outcome=satisfied", headers=form)
        assert visit.status_code == 503 and "notifier" in visit.text
        assert (await client.get("/approvals")).status_code == 403
        assert (await client.get("/my-tasks")).status_code == 403
    async with httpx.AsyncClient(base_url=console, timeout=20) as client:
        await _login(client, "eng.sunny", "eng-demo-2026")
        for page in ("/approvals", "/return-visits", "/ledger/export.xlsx"):
            assert (await client.get(page)).status_code == 403, page


async def test_uploads_are_images_only_and_shown_to_staff_only(console: str) -> None:
    async with httpx.AsyncClient(base_url=console, timeout=20) as client:
        refused = await client.post(
            "/h5/api/uploads", content=b"MZ...", headers={"Content-Type": "application/x-msdownload"}
        )
        assert refused.status_code == 415
        stored = await client.post("/h5/api/uploads", content=PNG, headers={"Content-Type": "image/png"})
        assert stored.status_code == 201
        name = stored.json()["ref"].removeprefix("console-upload://")
        assert (await client.get(f"/uploads/{name}")).status_code == 303  # to the log-in page
        await _login(client, "sup.sunny", "sup-demo-2026")
        shown = await client.get(f"/uploads/{name}")
        assert shown.status_code == 200 and shown.content == PNG
        assert (await client.get("/uploads/..%2F..%2Fetc%2Fpasswd")).status_code == 404
        assert Path(name).suffix == ".png"
