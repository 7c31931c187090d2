"""Fixtures that run the five services as real processes against the real engines."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from pm_common.devstack import SERVICES, Stack
from pm_common.testing import free_port, unique_name
from pm_common.testing.fixtures import Engines
from pm_notifier.localsink.runner import spawn_sink

SECRET = "e2e-secret-" + "x" * 32


def stack_env(engines: Engines, prefix: str, run_id: str, **extra: str) -> dict[str, str]:
    env = {
        "MONGO_URL": engines.mongo_url,
        "KAFKA_BOOTSTRAP": engines.kafka_bootstrap,
        "KAFKA_TOPIC_PREFIX": prefix,
        "PM_AUTH_SECRET": SECRET,
        "PM_ENV": "test",
        "PM_LOG_JSON": "true",
        **{f"{s.env_prefix}MONGO_DB": f"{run_id}_{s.module}" for s in SERVICES},
        **extra,
    }
    return env


@pytest.fixture
def stack_factory(tmp_path: Path) -> Iterator:  # type: ignore[type-arg]
    stacks: list[Stack] = []
    sinks: list[subprocess.Popen[bytes]] = []

    def make(engines: Engines, prefix: str, **extra: str) -> Stack:
        run_id = unique_name("e2e_")
        sink, sink_env = spawn_sink(tmp_path / "logs")
        sinks.append(sink)
        ports = {s.name: free_port() for s in SERVICES}
        links = {
            "NOTIFIER_PUBLIC_URL": f"http://127.0.0.1:{ports['notifier']}",
            "NOTIFIER_INTAKE_URL": f"http://127.0.0.1:{ports['intake']}",
            "NOTIFIER_DISPATCH_URL": f"http://127.0.0.1:{ports['dispatch']}",
            "DISPATCH_INTAKE_URL": f"http://127.0.0.1:{ports['intake']}",
        }
        stack = Stack(
            log_dir=tmp_path / "logs",
            env=stack_env(engines, prefix, run_id, **sink_env, **links, **extra),
            ports=ports,
        )
        stack.run_id = run_id  # type: ignore[attr-defined]
        stack.secret = SECRET  # type: ignore[attr-defined]
        stack.sink_url = sink_env["SINK_URL"]  # type: ignore[attr-defined]
        stacks.append(stack)
        return stack

    yield make
    for stack in stacks:
        stack.stop()
    for sink in sinks:
        sink.terminate()
        sink.wait(timeout=15)
