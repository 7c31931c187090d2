"""The console's statistics and early-warning pages (#14 items 3–4) on the real insights service (its
consumer on the real topics): a known small data set → the page shows its figures, the warnings page
the one warning, the report link passes the XLSX through; in real headless Chromium the four ECharts
charts render from the console's own static dir (fetched from npm by the setup) and no request leaves
127.0.0.1 (no CDN)."""

from __future__ import annotations

import asyncio
import io
import os
import re
import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import httpx
import openpyxl
import pytest
import uvicorn
from playwright.async_api import async_playwright

from pm_common import topics
from pm_common.events import new_event
from pm_common.events.payloads import ComplaintReceived, ComplaintTriaged, Deadlines, Location
from pm_common.kafka import KafkaPublisher
from pm_common.mongo import Mongo
from pm_common.testing import free_port, poll_until, unique_name
from pm_common.testing.fixtures import Engines, service_settings_values
from pm_console.bootstrap import adapters_of
from pm_console.config import ConsoleSettings
from pm_console.entrypoints.api import create_app as console_app
from pm_console.service_layer import auth
from pm_insights.config import InsightsSettings
from pm_insights.entrypoints.api import create_app as insights_app

pytestmark = pytest.mark.integration
SECRET = "console-insights-" + "x" * 32
CHROMIUM = os.environ.get("PM_CHROMIUM", "/usr/bin/chromium")
ECHARTS = Path(__file__).resolve().parents[2] / "src/pm_console/entrypoints/static/vendor/echarts.min.js"


@asynccontextmanager
async def _serve(app: Any, port: int) -> AsyncIterator[str]:
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, access_log=False))
    task = asyncio.create_task(server.serve())
    url = f"http://127.0.0.1:{port}"

    async def ready() -> bool:
        try:
            async with httpx.AsyncClient(timeout=5) as client:
                return (await client.get(url + "/readyz")).status_code == 200
        except httpx.HTTPError:
            return False

    try:
        await poll_until(ready, timeout=60, what=f"{url} ready")
        yield url
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, 60)


async def _seed(publisher: KafkaPublisher, now: datetime) -> None:
    for i, (building, category) in enumerate([("3", "engineering")] * 3 + [("5", "cleaning_greening")] * 2):
        cid, at = f"page-{i}", now - timedelta(seconds=20 - i)
        received = ComplaintReceived(
            complaint_id=cid, reference_no=cid, estate_id="SUNNY", channel="phone" if i < 4 else "wechat",
            content="测试", location=Location(building=building, room=str(i)), raised_at=at, received_at=at,
        )  # fmt: skip
        triaged = ComplaintTriaged(
            complaint_id=cid, estate_id="SUNNY", decision="accepted", category=category, urgency="general",  # type: ignore[arg-type]
            scope="unit", confidence=0.9, triaged_at=at,
            deadlines=Deadlines(dispatch_by=at + timedelta(hours=2), resolve_by=at + timedelta(days=1)),
        )  # fmt: skip
        await publisher.publish(topics.COMPLAINT_RECEIVED, new_event(received, source="pm/intake", estate_id="SUNNY"))
        await publisher.publish(topics.COMPLAINT_TRIAGED, new_event(triaged, source="pm/triage", estate_id="SUNNY"))


async def _login(client: httpx.AsyncClient, username: str, password: str) -> None:
    page = await client.get("/login")
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    done = await client.post(
        "/login",
        content=f"csrf={csrf}&username={username}&password={password}",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert done.status_code == 303, done.text


async def test_statistics_and_warning_pages_with_local_charts(
    engines: Engines, mongo: Mongo, topic_prefix: str, tmp_path: Path
) -> None:
    assert ECHARTS.is_file(), "make setup fetches echarts from npm into the console's static/vendor/"
    now = datetime.now(UTC)
    publisher = KafkaPublisher(engines.kafka_bootstrap, topic_prefix)
    await _seed(publisher, now)
    await publisher.close()
    insights = InsightsSettings(**service_settings_values(engines, mongo.db.name, topic_prefix, SECRET))
    console = ConsoleSettings(
        mongo_url=engines.mongo_url, kafka_bootstrap=engines.kafka_bootstrap, mongo_db=unique_name("console_ins_"),
        auth_secret=SECRET, env="test", upload_dir=tmp_path / "uploads", insights_url=f"http://127.0.0.1:{insights.port}",
    )  # fmt: skip
    app = console_app(console)
    today = (now + timedelta(hours=8)).date().isoformat()
    try:
        async with _serve(insights_app(insights), insights.port) as ins_url, _serve(app, free_port()) as url:
            async with httpx.AsyncClient(base_url=ins_url, timeout=20) as raw:
                lead = {"Authorization": f"Bearer {_token('leadership')}"}
                await poll_until(
                    lambda: _count(raw, lead, today), timeout=60, what="the five complaints in the statistics"
                )
            adapters = adapters_of(app.state.runtime)
            await auth.create_account(
                "sup.stats", "stats-pass-2026!", "统计主管", "supervisor", ["SUNNY"], adapters.accounts,
                adapters.hasher, now,
            )  # fmt: skip
            async with httpx.AsyncClient(base_url=url, timeout=20, follow_redirects=False) as client:
                await _login(client, "sup.stats", "stats-pass-2026!")
                page = await client.get("/statistics", params={"since": today, "until": today})
                assert page.status_code == 200, page.text
                assert re.search(r'data-testid="stat-complaints">5<', page.text)
                assert 'data-testid="nav-statistics"' in page.text and "工程维修" in page.text
                warned = await poll_until(lambda: _warning_rows(client), timeout=30, what="the warning row")
                assert warned == ["location_spike"]
                english = await client.get("/warnings", params={"lang": "en"})
                assert "Spike in one building" in english.text and "3|engineering" in english.text
                report = await client.get(
                    "/statistics/report", params={"kind": "weekly", "format": "xlsx", "day": today}
                )
                assert report.status_code == 200 and "complaints-weekly-" in report.headers["content-disposition"]
                sheet = openpyxl.load_workbook(io.BytesIO(report.content)).active
                assert sheet is not None and ("投诉总数 complaints", 5) in [
                    r[:2] for r in sheet.iter_rows(values_only=True)
                ]
            await _charts_in_chromium(url, today, tmp_path)
    finally:
        db = Mongo(engines.mongo_url, console.mongo_db)
        await db.drop_database()
        db.close()


def _token(role: str) -> str:
    from pm_common.auth import issue_token

    return issue_token(SECRET, "page-test", role, ["*"])  # type: ignore[arg-type]


async def _count(client: httpx.AsyncClient, headers: dict[str, str], day: str) -> bool:
    body = (await client.get("/v1/statistics", params={"since": day, "until": day}, headers=headers)).json()
    return bool(body["complaints"] == 5 and body["by_nature"].get("engineering") == 3)


async def _warning_rows(client: httpx.AsyncClient) -> list[str] | None:
    page = await client.get("/warnings")
    return re.findall(r'data-testid="warning-row" data-rule="([a-z_]+)"', page.text) or None


async def _charts_in_chromium(url: str, day: str, tmp_path: Path) -> None:
    if shutil.which(CHROMIUM) is None:
        pytest.fail(f"{CHROMIUM} is missing: apt-get install -y chromium")
    hosts: set[str] = set()
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        try:
            page = await (await browser.new_context()).new_page()
            page.on("request", lambda r: hosts.add(urlparse(r.url).hostname or ""))
            await page.goto(url + "/login")
            await page.fill("input[name=username]", "sup.stats")
            await page.fill("input[name=password]", "stats-pass-2026!")
            await page.click("button[type=submit]")
            await page.goto(f"{url}/statistics?since={day}&until={day}")
            await page.wait_for_selector('[data-chart][data-rendered="1"] canvas', timeout=20000)
            assert await page.locator('[data-chart][data-rendered="1"] canvas').count() == 4
            await page.screenshot(path=str(tmp_path / "statistics.png"), full_page=True)
        finally:
            await browser.close()
    assert hosts == {"127.0.0.1"}, hosts
