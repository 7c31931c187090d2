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

from pm_common import topics
from pm_common.auth import issue_token
from pm_common.testing import free_port
from pm_sla_monitor.adapters.partitions import partition_for
from pm_sla_monitor.adapters.repository import MongoTimerStore
from pm_sla_monitor.domain.schedule import Schedule
from pm_sla_monitor.domain.timer import Timer

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


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def timers(n: int, due: datetime, spread_s: float) -> list[Timer]:
    out = []
    for _ in range(n):
        cid = uuid.uuid4().hex
        at = due + timedelta(seconds=random.random() * spread_s)
        task_id = f"T-{cid}"  # dispatch's task id for a complaint
        out.append(Timer(task_id, cid, random.choice(ESTATES), at, partition_for(task_id, PARTITIONS)))
    return out


async def seed(store: MongoTimerStore, items: list[Timer], chunk: int = 5000) -> float:
    start = time.perf_counter()
    for i in range(0, len(items), chunk):
        await store.bulk_arm(items[i : i + chunk], datetime.now(UTC))
    return len(items) / (time.perf_counter() - start)


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
    schedule = Schedule(timedelta(hours=4))
    schedule.own(range(PARTITIONS))
    items = timers(n, datetime.now(UTC), 86400)
    start = time.perf_counter()
    for t in items:
        schedule.add(t)
    for dues in schedule.pop_due(datetime.now(UTC) + timedelta(days=2), n).values():
        for d in dues:
            schedule.remove(d.timer.task_id)
    return bare, n / (time.perf_counter() - start)


async def kafka_floor(prefix: str, n: int, size: int) -> tuple[float, float, float]:
    """Pipelined acked sends/s; one-by-one acked send latency p50 / p99 (ms)."""
    producer = AIOKafkaProducer(bootstrap_servers=KAFKA, acks="all", enable_idempotence=True, linger_ms=5)
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

    async def wait_loaded(self, armed: int, timeout: float = 600) -> float:
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
            prefix + topics.TASK_OVERDUE, bootstrap_servers=KAFKA, group_id=None, auto_offset_reset="earliest"
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
