"""The fault-injection rig: own engines, the five services as processes, the load and the checker."""

from __future__ import annotations

import asyncio
import os
from dataclasses import dataclass
from pathlib import Path

from pm_common.devstack import SERVICES, Stack
from pm_common.testing.faults.checker import Checker
from pm_common.testing.faults.engines import OwnEngines
from pm_common.testing.faults.load import Load
from pm_common.testing.fixtures import Engines

SECRET = "faults-secret-" + "x" * 32
N = int(os.environ.get("PM_FAULTS_N", "12"))  # items per scenario (make faults-full: 100)
PACE = float(os.environ.get("PM_FAULTS_PACE", "0.08"))  # seconds between two filings


@dataclass
class Rig:
    own: OwnEngines
    stack: Stack
    load: Load
    checker: Checker
    run_id: str
    logs: Path

    @property
    def bootstrap(self) -> str:
        return self.own.engines.kafka_bootstrap

    async def restart(self, service: str, **env: str) -> None:
        """Graceful stop, start with ``env`` (e.g. an armed fault hook: it may fire at once, so this
        does not wait for the service to be ready; the load retries until it is)."""
        await asyncio.to_thread(self.stack.stop, (service,))
        self.stack.start(only=(service,), extra_env=env)

    async def ensure_running(self) -> None:
        """Start again whatever a failed scenario left dead, so the next one starts from a whole system."""
        dead = tuple(name for name, proc in self.stack.processes.items() if proc.poll() is not None)
        if dead:
            self.stack.start(only=dead)
        await asyncio.to_thread(self.stack.wait_healthy, 120.0)


def stack_env(engines: Engines, run_id: str, credentials: Path | None = None) -> dict[str, str]:
    """Environment of the five services on the rig's engines (``credentials``: its broker's file)."""
    return {
        **({"KAFKA_CREDENTIALS_FILE": str(credentials)} if credentials and credentials.exists() else {}),
        "MONGO_URL": engines.mongo_url,
        "KAFKA_BOOTSTRAP": engines.kafka_bootstrap,
        "KAFKA_TOPIC_PREFIX": "",  # own broker: the real topic names
        "PM_AUTH_SECRET": SECRET,
        "PM_ENV": "test",
        "PM_LOG_JSON": "true",
        "PM_LOG_LIBS_LEVEL": "INFO",  # consumer-group joins and assignments in the services' logs
        "INTAKE_RATE_LIMIT_REQUESTS": "1000000",
        "TRIAGE_INCIDENTS_ENABLED": "false",  # the faust group-incident stream is not on this path
        "DISPATCH_DEADLINE_CAP_SECONDS": "1",  # every task goes overdue once: sla-monitor publishes too
        "SLA_SCAN_SECONDS": "0.2",
        "SLA_ESCALATION_STEP_SECONDS": "3600",
        **{f"{s.env_prefix}OUTBOX_POLL_SECONDS": "0.2" for s in SERVICES},
        **{f"{s.env_prefix}MONGO_DB": f"{run_id}_{s.module}" for s in SERVICES},
    }
