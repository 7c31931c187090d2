"""Shared pieces of the end-to-end benchmarks: a fresh stack, realistic payloads, percentiles.

Every run gets its own database names and topic prefix on the shared engines (like tests/e2e), so
benchmarks never disturb other users of the engines, and drops its databases at the end.
"""

from __future__ import annotations

import math
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from typing import Any

from pm_common.auth import issue_token
from pm_common.devstack import SERVICES, Stack
from pm_common.kafka import acls
from pm_common.kafka.security import KafkaAuth
from pm_common.mongo import Mongo
from pm_common.testing import free_port
from pm_common.testing.fixtures import discover_credentials

discover_credentials()  # the local broker authenticates clients: use its admin principal like the tests
MONGO_URL = os.environ.get("MONGO_URL", "mongodb://127.0.0.1:27017")
KAFKA = os.environ.get("KAFKA_BOOTSTRAP", "127.0.0.1:9092")
# every raw client of the benchmarks authenticates like the tools (the admin principal of the local setup)
AUTH = KafkaAuth.from_env().client_kwargs()
SECRET = "bench-secret-" + "x" * 32
ESTATES = ("SUNNY", "JADE", "JINXIU")

# Items triage accepts (each becomes a task) and items it refuses automatically (the owner is told
# at once: the only owner notification that needs no handler action).
ACCEPTED = (
    ("{b}号楼{u}单元电梯困人了，里面有老人，请马上派人", "phone"),
    ("{b}号楼{u}单元楼道灯坏了好几天，晚上很黑，{r}室门口", "app"),
    ("{b}号楼地下车库{r}车位上方水管漏水，滴到车上了", "wechat"),
    ("{b}号楼{u}单元门口垃圾桶好几天没清了，都堆到外面来了", "app"),
    ("{b}号楼{r}室楼上装修噪音太大，中午也在电钻", "phone"),
)
REFUSED = ("宽带老掉线，网速慢得要死，物业管管电信啊（{b}号楼{r}室）",)


def complaint(i: int, *, refused: bool = False, tag: str = "") -> dict[str, Any]:
    """The i-th realistic item: estates, channels, places and owners vary so triage sees no repeats."""
    b, u, r = 1 + i % 40, 1 + (i // 40) % 4, 101 + (i // 160) % 2800
    text, channel = (REFUSED[0], "app") if refused else ACCEPTED[i % len(ACCEPTED)]
    item: dict[str, Any] = {
        "estate_id": ESTATES[i % len(ESTATES)],
        "channel": channel,
        "content": text.format(b=b, u=u, r=r) + tag,
        "location": {"building": str(b), "unit": str(u), "room": str(r)},
        "owner": {"name": f"业主{i}", "phone": f"139{i % 100_000_000:08d}"},
    }
    if channel == "wechat":
        item["channel_details"] = {"wechat_source": "mini_program"}
    return item


def token(role: str = "front_desk") -> str:
    return issue_token(SECRET, f"bench-{role}", role, ["*"])  # type: ignore[arg-type]


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100); nan for no values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


def summary_ms(values_s: list[float]) -> str:
    p = [percentile(values_s, q) * 1000 for q in (50, 99, 99.9)]
    top = max(values_s, default=0) * 1000
    return f"p50 {p[0]:8.1f} ms  p99 {p[1]:8.1f} ms  p99.9 {p[2]:8.1f} ms  max {top:8.1f} ms"


class BenchStack:
    """The services as real processes (``python -m pm_<name>``) on free ports, fresh DBs and prefix."""

    def __init__(
        self,
        only: tuple[str, ...] | None = None,
        extra: dict[str, str] | None = None,
        dbs: dict[str, str] | None = None,
    ) -> None:
        """``dbs`` names existing databases to use instead of fresh ones (module → name, e.g. an intake DB
        seeded with ``make seed``): they are written to and kept, never dropped."""
        self.run_id = f"bench_{uuid.uuid4().hex[:8]}"
        self.kept = dict(dbs or {})
        self.prefix = f"{self.run_id}."
        self.only = only
        self.log_dir = Path(tempfile.mkdtemp(prefix=f"{self.run_id}-logs-"))
        env = {
            "MONGO_URL": MONGO_URL,
            "KAFKA_BOOTSTRAP": KAFKA,
            "KAFKA_TOPIC_PREFIX": self.prefix,
            "PM_AUTH_SECRET": SECRET,
            "PM_ENV": "test",
            "PM_LOG_LEVEL": "WARNING",
            # the limiter still runs its insert + count per request; it just never refuses the bench
            "INTAKE_RATE_LIMIT_REQUESTS": "1000000000",
            **{f"{s.env_prefix}MONGO_DB": self.db_name(s.module) for s in SERVICES},
            **(extra or {}),
        }
        self.stack = Stack(log_dir=self.log_dir, env=env, ports={s.name: free_port() for s in SERVICES})
        self.wrapped: dict[str, list[str]] = {}
        self.replicas: list[subprocess.Popen[bytes]] = []

    def db_name(self, module: str) -> str:
        return self.kept.get(module) or f"{self.run_id}_{module}"

    def db(self, module: str) -> Mongo:
        return Mongo(MONGO_URL, self.db_name(module))

    def url(self, service: str) -> str:
        return self.stack.url(service)

    def start(self, timeout: float = 120.0) -> None:
        """Start the services; a service listed in ``wrapped`` runs under that command prefix instead."""
        names = self.only or tuple(s.name for s in SERVICES)
        plain = tuple(n for n in names if n not in self.wrapped)
        self.stack.start(only=plain)
        for name, argv in self.wrapped.items():
            spec = next(s for s in SERVICES if s.name == name)
            env = {**os.environ, **self.stack.env, f"{spec.env_prefix}PORT": str(self.stack.port(name))}
            with open(self.log_dir / f"{name}.log", "ab") as log:
                self.stack.processes[name] = subprocess.Popen(
                    [*argv, spec.module], env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
                )
        self.stack.wait_healthy(timeout=timeout)

    def start_replicas(self, name: str, count: int, timeout: float = 180.0) -> None:
        """``count`` more instances of one service (same databases and consumer group, own ports), ready."""
        spec = next(s for s in SERVICES if s.name == name)
        started = []
        for _ in range(count):
            port = free_port()
            env = {**os.environ, **self.stack.env, f"{spec.env_prefix}PORT": str(port)}
            with open(self.log_dir / f"{name}-replica-{len(self.replicas)}.log", "ab") as log:
                proc = subprocess.Popen(
                    [sys.executable, "-m", spec.module],
                    env=env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            self.replicas.append(proc)
            started.append(port)
        end = time.monotonic() + timeout
        for port in started:
            while not _ready(port):
                if time.monotonic() > end:
                    raise TimeoutError(f"{name} replica on port {port} not ready (logs in {self.log_dir})")
                time.sleep(0.3)

    def stop_replicas(self) -> None:
        for proc in self.replicas:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in self.replicas:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        self.replicas.clear()

    def pid(self, service: str) -> int:
        return self.stack.processes[service].pid

    def stop(self) -> None:
        self.stack.stop()

    async def drop(self) -> None:
        await acls.remove(KAFKA, self.prefix)  # the namespace's ACLs (acls.apply at the start) go too
        for spec in SERVICES:
            if spec.module in self.kept:
                continue
            db = self.db(spec.module)
            try:
                await db.drop_database()
            finally:
                db.close()


def _ready(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=5) as response:
            return int(response.status) == 200
    except (OSError, urllib.error.URLError):
        return False


def cpu_seconds(pid: int | None) -> float:
    """User + system CPU seconds of a process so far (Linux /proc); nan when it is not there."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return math.nan
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def machine_jiffies() -> tuple[int, int]:
    """(busy, total) CPU jiffies of the whole machine so far, all cores (Linux /proc/stat)."""
    fields = [int(f) for f in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    return sum(fields) - idle, sum(fields)


def ferretdb_pid() -> int | None:
    """The local FerretDB of ``deploy/local/engines.py`` (its pid file under PM_LOCAL_DIR), if any."""
    return engine_pid("ferretdb")


def engine_pid(name: str) -> int | None:
    """The pid of a local engine (``ferretdb``, ``kafka``) from its pid file under PM_LOCAL_DIR (or
    BENCH_ENGINE_RUN_DIR: engines started elsewhere, e.g. shared ones on other ports)."""
    local = Path(os.environ.get("PM_LOCAL_DIR") or Path(__file__).resolve().parents[1] / ".local")
    run = Path(os.environ.get("BENCH_ENGINE_RUN_DIR") or local / "run")
    try:
        return int((run / f"{name}.pid").read_text().strip())
    except (OSError, ValueError):
        return None


def machine() -> str:
    load = os.getloadavg()
    return f"{os.cpu_count()} cores, load {load[0]:.1f}/{load[1]:.1f}/{load[2]:.1f}, python {sys.version.split()[0]}"


def now() -> float:
    return time.time()
