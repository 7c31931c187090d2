"""Browser tests: intake, triage and the console as real processes on the real engines, driven in
Debian's headless chromium (``/usr/bin/chromium``) by Playwright. Screenshots of the main pages go
to ``PM_BROWSER_ARTIFACTS`` (default ``.local/browser``)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import sys
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import pytest
from playwright.async_api import Browser, async_playwright

from pm_common.devstack import CONSOLE, SERVICES, ServiceSpec, Stack
from pm_common.kafka import acls
from pm_common.kafka.admin import ensure_topics
from pm_common.kafka.security import KafkaAuth
from pm_common.mongo import Mongo
from pm_common.testing import free_port, unique_name
from pm_common.testing.fixtures import Engines, drop_namespace
from pm_common.topics import TopicSpec, all_topic_specs

if str(Path(__file__).parent) not in sys.path:  # the tests' shared helpers (browser_kit); importlib mode
    sys.path.insert(0, str(Path(__file__).parent))
from pm_notifier.localsink.runner import spawn_sink
from pm_triage.entrypoints.incident_stream import stream_topics

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("PM_CHROMIUM", "/usr/bin/chromium")
SECRET = "browser-secret-" + "x" * 32
NEEDED = (*(s for s in SERVICES if s.name in ("intake", "triage")), CONSOLE)
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def platform_secret() -> str:
    """The stack's PM_AUTH_SECRET: tests seed data through intake's API with a token of their own."""
    return SECRET


@pytest.fixture(scope="module")
def artifacts() -> Path:
    folder = Path(os.environ.get("PM_BROWSER_ARTIFACTS", REPO / ".local" / "browser"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


INCIDENT_PARTITIONS = 2


def incident_stream_topics(prefix: str) -> list[TopicSpec]:
    """Triage's faust topics at the tests' partition count (triage also creates them at start)."""
    return stream_topics(f"{prefix}triage-incidents", INCIDENT_PARTITIONS)


@contextlib.asynccontextmanager
async def running_stack(
    engines: Engines, tmp: Path, needed: tuple[ServiceSpec, ...], extra: dict[str, str] | None = None
) -> AsyncIterator[Stack]:
    """``needed`` as processes on the real engines, in a topic namespace and databases of their own."""
    prefix = unique_name("b") + "."
    specs = [replace(s, partitions=min(s.partitions, 2)) for s in all_topic_specs(prefix)]
    await ensure_topics(engines.kafka_bootstrap, prefix, [*specs, *incident_stream_topics(prefix)])
    secured = KafkaAuth.from_env().enabled
    if secured:  # the services' principals get the namespace's ACLs, as in the shared topic_prefix fixture
        await acls.apply(engines.kafka_bootstrap, prefix, topics=False)
    run_id = unique_name("br_")
    ports = {s.name: free_port() for s in needed}
    env = {
        "MONGO_URL": engines.mongo_url,
        "KAFKA_BOOTSTRAP": engines.kafka_bootstrap,
        "KAFKA_TOPIC_PREFIX": prefix,
        "PM_AUTH_SECRET": SECRET,
        "PM_ENV": "test",
        **{f"{s.env_prefix}MONGO_DB": f"{run_id}_{s.module}" for s in needed},
        **{f"CONSOLE_{s.env_prefix[:-1]}_URL": f"http://127.0.0.1:{ports[s.name]}" for s in needed if s is not CONSOLE},
        "CONSOLE_UPLOAD_DIR": str(tmp / "uploads"),
        "CONSOLE_LOCKOUT_THRESHOLD": "3",
        "TRIAGE_INCIDENT_PARTITIONS": str(INCIDENT_PARTITIONS),
        **(extra or {}),
    }
    if "notifier" in ports:  # the notifier's links (survey H5) and its contact look-ups
        env["NOTIFIER_PUBLIC_URL"] = f"http://127.0.0.1:{ports['notifier']}"
        env["NOTIFIER_INTAKE_URL"] = f"http://127.0.0.1:{ports['intake']}"
        env["NOTIFIER_DISPATCH_URL"] = f"http://127.0.0.1:{ports['dispatch']}"
    stack = Stack(log_dir=tmp / "logs", env=env, ports=ports, services=needed)
    stack.start()
    try:
        await asyncio.to_thread(stack.wait_healthy, 180.0)
        yield stack
    finally:
        stack.stop()
        for spec in needed:
            db = Mongo(engines.mongo_url, f"{run_id}_{spec.module}")
            await db.drop_database()
            db.close()
        await drop_namespace(engines.kafka_bootstrap, prefix, secured=secured)


@pytest.fixture(scope="module")
async def console_stack(engines: Engines, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Stack]:
    async with running_stack(engines, tmp_path_factory.mktemp("console"), NEEDED) as stack:
        yield stack


@pytest.fixture(scope="session")
async def full_stack(engines: Engines, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Stack]:
    """All five services, the console and the notifier's local provider sink (``stack.sink_url``); one
    for the session (the modules using it work in estates and items of their own)."""
    tmp = tmp_path_factory.mktemp("full")
    sink, sink_env = spawn_sink(tmp / "logs")
    try:
        async with running_stack(engines, tmp, (*SERVICES, CONSOLE), sink_env) as stack:
            stack.sink_url = sink_env["SINK_URL"]  # type: ignore[attr-defined]
            yield stack
    finally:
        sink.terminate()
        sink.wait(timeout=15)


@pytest.fixture(scope="module")
async def browser() -> AsyncIterator[Browser]:
    """One chromium per module; every test opens its own contexts (cookie jars). Playwright starts it
    with a fresh temporary user-data-dir of its own and removes it afterwards."""
    if shutil.which(CHROMIUM) is None:
        pytest.fail(f"{CHROMIUM} is missing: apt-get install -y chromium (.ci/run does)")
    async with async_playwright() as pw:
        chromium = await pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS, headless=True)
        yield chromium
        await chromium.close()
