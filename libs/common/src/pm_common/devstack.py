"""Start the five services as separate processes (local run command and e2e tests).

Each service is ``python -m pm_<name>`` with its own port; ``wait_healthy`` waits for ``/readyz``
(what each needs to do its job is reachable). Output goes to a log file per service.
``Stack.stop`` terminates exactly the processes it started.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class ServiceSpec:
    name: str
    module: str
    env_prefix: str
    port: int


SERVICES = (
    ServiceSpec("intake", "pm_intake", "INTAKE_", 8001),
    ServiceSpec("triage", "pm_triage", "TRIAGE_", 8002),
    ServiceSpec("dispatch", "pm_dispatch", "DISPATCH_", 8003),
    ServiceSpec("sla-monitor", "pm_sla_monitor", "SLA_", 8004),
    ServiceSpec("notifier", "pm_notifier", "NOTIFIER_", 8005),
)
# The staff console and owner H5 pages (a client of the services' HTTP APIs; no topic): started by
# the run command and the browser tests, not by the services' own e2e and fault suites.
CONSOLE = ServiceSpec("console", "pm_console", "CONSOLE_", 8006)
# The statistics read model (consumes the topics, produces insight.warning): started by the run command
# beside the console (a browser test of its pages would add it to its stack); not part of the per-service
# e2e and fault scenarios, whose counts of consumers and groups are those of SERVICES.
INSIGHTS = ServiceSpec("insights", "pm_insights", "INSIGHTS_", 8007)


@dataclass
class Stack:
    log_dir: Path
    env: dict[str, str] = field(default_factory=dict)
    ports: dict[str, int] = field(default_factory=dict)
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    services: tuple[ServiceSpec, ...] = SERVICES

    def url(self, service: str) -> str:
        return f"http://127.0.0.1:{self.port(service)}"

    def port(self, service: str) -> int:
        spec = next(s for s in self.services if s.name == service)
        return self.ports.get(service, spec.port)

    def start(self, only: tuple[str, ...] | None = None, extra_env: dict[str, str] | None = None) -> None:
        """Start the services (all or ``only``); ``extra_env`` applies to these processes only."""
        self.log_dir.mkdir(parents=True, exist_ok=True)
        for spec in self.services:
            if only is not None and spec.name not in only:
                continue
            env = {**os.environ, **self.env, **(extra_env or {}), f"{spec.env_prefix}PORT": str(self.port(spec.name))}
            log = open(self.log_dir / f"{spec.name}.log", "ab")
            self.processes[spec.name] = subprocess.Popen(
                [sys.executable, "-m", spec.module],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
            log.close()

    def health(self, service: str, path: str = "/readyz") -> int:
        try:
            with urllib.request.urlopen(self.url(service) + path, timeout=5) as response:
                return int(response.status)
        except urllib.error.HTTPError as exc:
            return int(exc.code)
        except (OSError, urllib.error.URLError):
            return 0

    def wait_healthy(self, timeout: float = 90.0, progress: bool = False) -> None:
        end = time.monotonic() + timeout
        pending = set(self.processes)
        while pending and time.monotonic() < end:
            for name in sorted(pending):
                proc = self.processes[name]
                if proc.poll() is not None:
                    tail = (self.log_dir / f"{name}.log").read_text(errors="replace")[-3000:]
                    raise RuntimeError(f"service {name} exited with {proc.returncode}:\n{tail}")
                if self.health(name) == 200:
                    pending.discard(name)
                    if progress:
                        print(f"[run] {name} ready at {self.url(name)}", flush=True)
            time.sleep(0.3)
        if pending:
            raise TimeoutError(f"services not ready after {timeout}s: {sorted(pending)} (logs in {self.log_dir})")

    def stop(self, only: tuple[str, ...] | None = None) -> None:
        names = [n for n in self.processes if only is None or n in only]
        for name in names:
            if self.processes[name].poll() is None:
                self.processes[name].send_signal(signal.SIGTERM)
        for name in names:
            proc = self.processes.pop(name)
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
