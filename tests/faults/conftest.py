"""One fault-injection rig for the package (engines and services start once); every scenario files its
own items and checks only those. The per-scenario table is printed at the end of the run."""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from pm_common.auth import issue_token
from pm_common.devstack import SERVICES, Stack
from pm_common.mongo import Mongo
from pm_common.testing import free_port, unique_name
from pm_common.testing.faults import Checker, Load, OwnEngines, table
from pm_common.testing.faults.report import OUTCOMES
from pm_common.testing.faults.rig import SECRET, Rig, stack_env
from pm_common.testing.fixtures import REPO, Engines
from pm_notifier.localsink.runner import spawn_sink

FAULTS_DIR = Path(os.environ.get("PM_FAULTS_DIR", REPO / ".local" / "faults"))


@pytest.fixture(scope="package")
async def rig(engines: Engines) -> AsyncIterator[Rig]:
    run_id = unique_name("faults_")
    base = FAULTS_DIR / run_id  # not pytest's tmp: its rotation would delete the logs of a failed run
    own = OwnEngines(base / "engines")
    await asyncio.to_thread(own.up)
    # this package's clients (checker, load, probes) authenticate to the rig's own broker
    session_credentials = os.environ.pop("KAFKA_CREDENTIALS_FILE", None)
    if own.credentials_file.exists():
        os.environ["KAFKA_CREDENTIALS_FILE"] = str(own.credentials_file)
    ports = {s.name: free_port() for s in SERVICES}
    sink, sink_env = spawn_sink(base / "logs")  # the notifier delivers to the local provider sink
    notifier_env = {
        **{k: v for k, v in sink_env.items() if k.startswith("NOTIFIER_")},
        "NOTIFIER_INTAKE_URL": f"http://127.0.0.1:{ports['intake']}",
        "NOTIFIER_DISPATCH_URL": f"http://127.0.0.1:{ports['dispatch']}",
    }
    stack = Stack(
        log_dir=base / "logs", env={**stack_env(own.engines, run_id, own.credentials_file), **notifier_env}, ports=ports
    )
    sla_db = Mongo(own.engines.mongo_url, f"{run_id}_pm_sla_monitor")
    checker = Checker(own.engines.mongo_url, run_id, own.engines.kafka_bootstrap)
    stop = asyncio.Event()
    try:
        stack.start()
        await asyncio.to_thread(stack.wait_healthy, 180.0)
        token = issue_token(SECRET, "faults-desk", "front_desk", ["*"])
        supervisor = issue_token(SECRET, "faults-sup", "supervisor", ["*"])
        load = Load(stack.url("intake"), stack.url("dispatch"), token, sla_db, handler_token=supervisor)
        completer = asyncio.create_task(load.complete_tasks(stop))
        yield Rig(own, stack, load, checker, run_id, base / "logs")
        stop.set()
        await completer
    finally:
        stack.stop()
        sink.terminate()
        sink.wait(timeout=15)
        checker.close()
        sla_db.close()
        await asyncio.to_thread(own.down)
        os.environ.pop("KAFKA_CREDENTIALS_FILE", None)
        if session_credentials:
            os.environ["KAFKA_CREDENTIALS_FILE"] = session_credentials
        shutil.rmtree(base / "engines" / "data", ignore_errors=True)  # the logs stay


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if OUTCOMES:
        terminalreporter.section("fault injection: every accepted item exactly once")
        terminalreporter.write_line(table(OUTCOMES))
