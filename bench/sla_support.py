"""Pieces of bench/sla.py: workload generation, raw floors, the service as a process, the topic reader."""

from __future__ import annotations

import asyncio
import heapq
import json
import os
import random
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.errors import KafkaError

from pm_common import topics
from pm_common.auth import issue_token
from pm_common.calendar import HolidayCalendar
from pm_common.kafka import acls
from pm_common.kafka.admin import admin_client, ensure_topics
from pm_common.kafka.security import KafkaAuth
from pm_common.sla import SlaPolicy
from pm_common.testing import free_port
from pm_common.testing.fixtures import discover_credentials
from pm_sla_monitor.adapters.clock_store import MongoClockStore
from pm_sla_monitor.adapters.partitions import partition_for
from pm_sla_monitor.domain.clocks import Clock, new_clock
from pm_sla_monitor.domain.schedule import Schedule

discover_credentials()  # the local broker authenticates clients: use its admin principal like the tests
MONGO = os.environ.get("MONGO_URL", "mongodb://127.0.0.1:27017")
KAFKA = os.environ.get("KAFKA_BOOTSTRAP", "127.0.0.1:9092")
PENDING = int(os.environ.get("BENCH_PENDING", "100000"))
BURST = int(os.environ.get("BENCH_BURST", "50000"))
LAG_SET = int(os.environ.get("BENCH_LAG_SET", "1000"))
P4_PENDING = int(os.environ.get("BENCH_P4_PENDING", "1000000"))
PARTITIONS = topics.TOPICS[topics.TASK_ASSIGNED].partitions
SECRET = "bench-secret-" + "x" * 32
ESTATES = [f"E{n:03d}" for n in range(100)]
LOGS = Path(os.environ.get("BENCH_LOG_DIR", "/tmp"))
AUTH = KafkaAuth.from_env()  # every raw client authenticates (the broker may be secured)


def load_average() -> str:
    """The machine's 1 / 5 / 15 min load average (other agents share the 2 cores)."""
    return " / ".join(Path("/proc/loadavg").read_text().split()[:3])


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


CAL = HolidayCalendar.load()
POLICY = SlaPolicy()


def timers(n: int, due: datetime, spread_s: float) -> list[tuple[Clock, int]]:
    """Resolve clocks of tasks, due at ``due`` + up to ``spread_s``. Started at their deadline (a
    zero-length clock: its warnings coincide with the breach and are folded into it), so the
    bench's topic carries only ``task.overdue``."""
    out = []
    for _ in range(n):
        cid = uuid.uuid4().hex
        at = due + timedelta(seconds=random.random() * spread_s)
        task_id = f"T-{cid}"  # dispatch's task id for a complaint
        clock = new_clock(
            task_id,
            "task",
            "resolve",
            complaint_id=cid,
            estate_id=random.choice(ESTATES),
            started_at=at,
            due_at=at,
            basis="clock",
            calendar=CAL,
            policy=POLICY,
            person_id="h-" + cid[:6],
            correlation_id=cid,
            cause_id=cid,
        )
        out.append((clock, partition_for(task_id, PARTITIONS)))
    return out


async def seed(store: MongoClockStore, items: list[tuple[Clock, int]], chunk: int = 5000) -> float:
    start = time.perf_counter()
    for i in range(0, len(items), chunk):
        await store.bulk_put(items[i : i + chunk])
    return len(items) / (time.perf_counter() - start)


async def namespace(prefix: str, specs: list[topics.TopicSpec] | None = None, *, grant: bool = True) -> None:
    """The run's topics, and (secured broker, ``grant``) the services' ACLs on them; a loaded broker
    may take longer than ``acls.apply``'s 30 s to show them, so it is asked again."""
    for attempt in range(4):
        try:
            await ensure_topics(KAFKA, prefix, specs)
            if grant and AUTH.enabled:
                await acls.apply(KAFKA, prefix, topics=False)
            return
        except KafkaError:
            if attempt == 3:
                raise
            await asyncio.sleep(5)


async def drop_namespace(prefix: str) -> None:
    admin = admin_client(KAFKA, timeout_ms=30000)
    await admin.start()
    try:
        await admin.delete_topics([n for n in await admin.list_topics() if n.startswith(prefix)])
        if AUTH.enabled:
            await acls.delete_acls(admin, acls.bindings(prefix))
    finally:
        await admin.close()


# -- raw floors ----------------------------------------------------------------------------------
def heap_floor(n: int) -> tuple[float, float]:
    now = time.time()
    entries = [(now + random.random() * 86400, uuid.uuid4().hex) for _ in range(n)]
    start = time.perf_counter()
    heap: list[tuple[float, str]] = []
    for e in entries:
        heapq.heappush(heap, e)
    while heap:
        heapq.heappop(heap)
    bare = n / (time.perf_counter() - start)
    schedule = Schedule()
    schedule.own(range(PARTITIONS))
    items = timers(n, datetime.now(UTC), 86400)
    start = time.perf_counter()
    for clock, partition in items:
        schedule.put(clock, partition, 2, clock.due_at)
    for dues in schedule.pop_due(datetime.now(UTC) + timedelta(days=2), n).values():
        for d in dues:
            schedule.remove(d.clock.key)
    return bare, n / (time.perf_counter() - start)


async def kafka_floor(prefix: str, n: int, size: int) -> tuple[float, float, float]:
    """Pipelined acked sends/s; one-by-one acked send latency p50 / p99 (ms)."""
    producer = AIOKafkaProducer(
        bootstrap_servers=KAFKA, acks="all", enable_idempotence=True, linger_ms=5, **AUTH.client_kwargs()
    )
    await producer.start()
    topic = prefix + "floor"
    value = b"x" * size
    try:
        start = time.perf_counter()
        futures = [await producer.send(topic, value, key=uuid.uuid4().hex.encode()) for _ in range(n)]
        await asyncio.gather(*futures)
        rate = n / (time.perf_counter() - start)
        lat = []
        for _ in range(200):
            t0 = time.perf_counter()
            await producer.send_and_wait(topic, value, key=uuid.uuid4().hex.encode())
            lat.append((time.perf_counter() - t0) * 1000)
        return rate, pct(lat, 0.5), pct(lat, 0.99)
    finally:
        await producer.stop()


# -- the service as a process --------------------------------------------------------------------
class Service:
    def __init__(self, prefix: str, db: str, name: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {
            **os.environ,
            "MONGO_URL": MONGO,
            "KAFKA_BOOTSTRAP": KAFKA,
            "KAFKA_TOPIC_PREFIX": prefix,
            "SLA_MONGO_DB": db,
            "SLA_PORT": str(self.port),
            "SLA_ESCALATION_STEP_SECONDS": str(7 * 86400),  # only level 1 inside the bench window
            "PM_ENV": "test",
            "PM_AUTH_SECRET": SECRET,
        }
        self.log = open(LOGS / f"bench-sla-{name}.log", "w")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "pm_sla_monitor"], env=env, stdout=self.log, stderr=self.log
        )
        self.headers = {"Authorization": f"Bearer {issue_token(SECRET, 'bench', 'leadership', ['*'])}"}

    async def schedule(self) -> dict[str, object] | None:
        try:
            async with httpx.AsyncClient(base_url=self.url, timeout=5, headers=self.headers) as client:
                response = await client.get("/v1/schedule")
                return response.json() if response.status_code == 200 else None
        except httpx.HTTPError:
            return None

    async def wait_loaded(self, armed: int, timeout: float | None = None) -> float:
        timeout = timeout if timeout is not None else max(600.0, armed / 200)  # 1M: ~1.4 h at worst
        start = time.perf_counter()
        while time.perf_counter() - start < timeout:
            state = await self.schedule()
            if state and state["partitions"] and int(state["armed"]) >= armed:  # type: ignore[call-overload]
                return time.perf_counter() - start
            await asyncio.sleep(0.2)
        raise TimeoutError(f"service did not load {armed} timers in {timeout}s")

    async def durable_at(self, count: int, until: float) -> float:
        """When the service had written ``count`` emissions durably (claims + outbox document)."""
        while time.time() < until:
            state = await self.schedule()
            if state and int(state["emitted"]) >= count:  # type: ignore[call-overload]
                return time.time()
            await asyncio.sleep(0.25)
        return float("nan")

    def rss_mib(self) -> float:
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return float("nan")

    def cpu_seconds(self) -> float:
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.log.close()


class Topic:
    """Reads task.overdue from the beginning; arrival time per (task id, level)."""

    def __init__(self, prefix: str) -> None:
        self.consumer = AIOKafkaConsumer(
            prefix + topics.TASK_OVERDUE,
            bootstrap_servers=KAFKA,
            group_id=None,
            auto_offset_reset="earliest",
            **AUTH.client_kwargs(),
        )
        self.arrived: dict[tuple[str, int], float] = {}
        self.due: dict[tuple[str, int], float] = {}
        self.duplicates = 0

    async def collect(self, expected: set[str], until: float) -> None:
        while time.time() < until and not expected <= {k for k, _ in self.arrived}:
            batches = await self.consumer.getmany(timeout_ms=200, max_records=5000)
            now = time.time()
            for records in batches.values():
                for r in records:
                    data = json.loads(r.value)["data"]
                    key = (data["task_id"], data["escalation_level"])
                    if key in self.arrived:
                        self.duplicates += 1
                        continue
                    self.arrived[key] = now
                    self.due[key] = datetime.fromisoformat(data["due_at"]).timestamp()
