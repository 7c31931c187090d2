"""P4 without the bus: the memory of N armed clocks loaded the way an instance loads them on assignment.

    .venv/bin/python bench/sla_memory.py            (BENCH_P4_PENDING clocks, default 250,000)

Seeds N far-future stage clocks into a fresh database through the documented bulk path
(``MongoClockStore.bulk_put``), then, in a fresh interpreter, runs ``Monitor.load`` over them (the
real store scan, ``from_doc`` and the schedule's packed records) and prints the RSS growth, per clock
and extrapolated to 1,000,000. Raw floor of the same run: the bare schedule filled directly with the
same number of clocks (no store), also in a fresh interpreter. ``bench/sla.py`` measures the same with
the service as its own process when the broker is responsive.
"""

from __future__ import annotations

import asyncio
import gc
import os
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sla_support import CAL, MONGO, seed, timers

from pm_common.mongo import Mongo
from pm_sla_monitor.adapters.clock import ManualClock
from pm_sla_monitor.adapters.clock_store import MongoClockStore
from pm_sla_monitor.adapters.config_store import MongoConfigStore
from pm_sla_monitor.adapters.firing_store import MongoFiringStore
from pm_sla_monitor.service_layer.monitor import Monitor

N = int(os.environ.get("BENCH_P4_PENDING", "250000"))


def rss_mib() -> float:
    line = next(x for x in Path("/proc/self/status").read_text().splitlines() if x.startswith("VmRSS:"))
    return int(line.split()[1]) / 1024


async def load(db: str) -> None:
    """Child process: load every clock of ``db`` into a monitor owning all partitions."""
    mongo = Mongo(MONGO, db, timeout_ms=60000)
    store = MongoClockStore(mongo)
    gc.collect()
    before = rss_mib()
    monitor = Monitor(MongoFiringStore(mongo), store, MongoConfigStore(mongo), ManualClock(datetime.now(UTC)), CAL)
    await monitor.assigned({"task.assigned": set(range(6))})
    start = time.perf_counter()
    await monitor.load()
    took = time.perf_counter() - start
    gc.collect()
    print(len(monitor.schedule), took, rss_mib() - before)
    mongo.close()


def child(*args: str) -> list[float]:
    code = f"import sys; sys.path.insert(0, {str(Path(__file__).parent)!r}); import sla_memory as m; " + args[0]
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    return [float(x) for x in out.split()]


async def main() -> None:
    db = f"bench_slamem_{uuid.uuid4().hex[:8]}"
    mongo = Mongo(MONGO, db, timeout_ms=60000)
    try:
        store = MongoClockStore(mongo)
        start = time.perf_counter()
        for i in range(0, N, 10000):
            await seed(store, timers(min(10000, N - i), datetime.now(UTC) + timedelta(days=2), 86400))
        seeded = time.perf_counter() - start
        count, took, grown = child(f"import asyncio; asyncio.run(m.load({db!r}))")
        (bare,) = child(f"import sla; print(sla.schedule_mib({N}))")
        print(f"P4 memory on {MONGO}: {N:,} armed clocks (seeded at {N / seeded:,.0f} /s)")
        print(f"  loaded by Monitor.load       {int(count):,} in {took:.1f} s ({count / took:,.0f} /s)")
        print(f"  RSS growth, loaded           {grown:.1f} MiB = {1024 * grown / count:.3f} KiB per clock")
        print(f"  raw floor: bare schedule     {bare:.1f} MiB (same clocks, no store); ratio {grown / bare:.2f}")
        print(f"  extrapolated to 1,000,000    {grown * 1_000_000 / count:.0f} MiB (goal: growth <= 500 MiB)")
    finally:
        await mongo.drop_database()
        mongo.close()


if __name__ == "__main__":
    asyncio.run(main())
