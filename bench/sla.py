"""P3 / P4: the SLA monitor's overdue emission, measured on the real topic.

    make bench-sla                     (engines reachable at MONGO_URL / KAFKA_BOOTSTRAP)
    BENCH_P4_PENDING=0 make bench-sla  (skip P4; BENCH_PENDING=0 BENCH_BURST=0 skips P3)
    BENCH_P4_BARE=1000000              (the bare schedule's size at this many clocks, in a fresh interpreter)

The SLA monitor runs as its own process (``python -m pm_sla_monitor``) on a fresh database and a
random topic namespace (6 partitions per topic, as in production). Timers are seeded with the
documented bulk path (``MongoClockStore.bulk_put``: one ``insert_many`` of the same ``armed`` clock
documents the lifecycle consumer writes) before the service starts, so the service loads them like after
a restart. A plain consumer reads ``task.overdue`` from the real topic and timestamps arrivals.

P3  pending far-future deadlines (default 100k) + a lag set (1,000 deadlines spread over 10 s) +
    a burst (50k deadlines in the same second): lag after the deadline p50/p99/max for the lag set,
    time until the whole burst is on the topic, missed / emitted twice (by timer × level), and the
    service's CPU while idle with everything loaded.
P4  1,000,000 pending deadlines in one instance: RSS growth of the service over the same service
    with an empty store, the lag set's lag again; and the bare schedule's size in this process.
Raw floors measured in the same run: bare ``heapq`` push + pop of the same number of entries, and
bare acked (``acks=all``, idempotent) aiokafka sends of same-size events, pipelined and one by one.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sla_support import (
    BURST,
    KAFKA,
    LAG_SET,
    MONGO,
    P4_PENDING,
    PARTITIONS,
    PENDING,
    Service,
    Topic,
    drop_namespace,
    heap_floor,
    kafka_floor,
    load_average,
    namespace,
    pct,
    seed,
    timers,
)

from pm_common import topics
from pm_common.mongo import Mongo
from pm_sla_monitor.adapters.clock_store import MongoClockStore
from pm_sla_monitor.adapters.firing_store import MongoFiringStore
from pm_sla_monitor.domain.schedule import Schedule


async def run_case(label: str, pending: int, burst: int, idle_probe: bool) -> dict[str, float]:
    prefix = f"slabench{uuid.uuid4().hex[:8]}."
    db_name = f"bench_sla_{uuid.uuid4().hex[:8]}"
    await namespace(prefix)
    mongo = Mongo(MONGO, db_name, timeout_ms=30000)
    store = MongoClockStore(mongo)
    # indexes first, as a running service has them (building them over 150k seeded documents on the
    # loaded local engine exceeds the service's 10 s socket timeout)
    await MongoClockStore.create_indexes(mongo)
    await MongoFiringStore.create_indexes(mongo)
    out: dict[str, float] = {}
    try:
        far = timers(pending, datetime.now(UTC) + timedelta(days=2), 86400)
        out["seed_per_s"] = rate = await seed(store, far)
        del far
        # due times must lie after the rest is seeded and the service has loaded (measured: load ≈ seed rate)
        # (on the shared 2-core machine the service loads several times slower than the bench seeds:
        # BENCH_LOAD_FACTOR, default 5)
        factor = float(os.environ.get("BENCH_LOAD_FACTOR", "5"))
        margin = 30 + (LAG_SET + burst) / rate + factor * (pending + LAG_SET + burst) / rate
        base = datetime.now(UTC) + timedelta(seconds=margin)
        lag_set = timers(LAG_SET, base, 10)
        burst_set = timers(burst, base + timedelta(seconds=20), 0.999)  # all due within one second
        await seed(store, lag_set + burst_set)
        service = Service(prefix, db_name, label)
        topic = Topic(prefix)
        await topic.consumer.start()
        try:
            out["load_s"] = await service.wait_loaded(pending + LAG_SET + burst)
            out["load_per_s"] = (pending + LAG_SET + burst) / max(out["load_s"], 1e-9)
            out["rss_mib"] = service.rss_mib()
            headroom = (base - datetime.now(UTC)).total_seconds()
            out["headroom_s"] = headroom
            if idle_probe and headroom > 6:
                await asyncio.sleep(1)
                cpu0, t0 = service.cpu_seconds(), time.perf_counter()
                await asyncio.sleep(min(10.0, headroom - 4))
                out["idle_cpu_pct"] = 100 * (service.cpu_seconds() - cpu0) / (time.perf_counter() - t0)
            expected = {c.item_id for c, _ in lag_set} | {c.item_id for c, _ in burst_set}
            durable = asyncio.create_task(service.durable_at(len(expected), base.timestamp() + 20 + 90))
            await topic.collect(expected, base.timestamp() + 20 + 90)
            durable_at = await durable
            print(f"  load average after {label}   {load_average()}")
        finally:
            await topic.consumer.stop()
            service.stop()
        lag_keys = [(c.item_id, 1) for c, _ in lag_set if (c.item_id, 1) in topic.arrived]
        lags = [topic.arrived[k] - topic.due[k] for k in lag_keys]
        out["lag_p50_s"], out["lag_p99_s"], out["lag_max_s"] = pct(lags, 0.5), pct(lags, 0.99), max(lags, default=0)
        burst_arrivals = [topic.arrived[(c.item_id, 1)] for c, _ in burst_set if (c.item_id, 1) in topic.arrived]
        burst_due = max((c.due_at.timestamp() for c, _ in burst_set), default=0)
        out["burst_all_on_topic_s"] = max(burst_arrivals, default=burst_due) - burst_due if burst else 0
        out["burst_all_durable_s"] = durable_at - burst_due if burst else 0
        out["burst_per_s"] = len(burst_arrivals) / max(out["burst_all_on_topic_s"], 1e-9) if burst else 0
        out["missed"] = len(expected) - len({k for k, _ in topic.arrived} & expected)
        out["unexpected"] = len({k for k, _ in topic.arrived} - expected)
        out["emitted_twice"] = topic.duplicates
    finally:
        await mongo.drop_database()
        mongo.close()
        await drop_namespace(prefix)
    return out


async def empty_rss() -> float:
    prefix = f"slabench{uuid.uuid4().hex[:8]}."
    db_name = f"bench_sla_{uuid.uuid4().hex[:8]}"
    await namespace(prefix)
    service = Service(prefix, db_name, "empty")
    try:
        await service.wait_loaded(0)
        await asyncio.sleep(2)
        return service.rss_mib()
    finally:
        service.stop()
        mongo = Mongo(MONGO, db_name)
        await mongo.drop_database()
        mongo.close()
        await drop_namespace(prefix)


def schedule_mib(n: int) -> float:
    def rss() -> float:
        line = next(x for x in Path("/proc/self/status").read_text().splitlines() if x.startswith("VmRSS:"))
        return int(line.split()[1]) / 1024

    before = rss()
    schedule = Schedule()
    schedule.own(range(PARTITIONS))
    from sla_support import timers

    base = datetime.now(UTC)
    for start in range(0, n, 10000):
        for clock, partition in timers(min(10000, n - start), base, 86400):
            schedule.put(clock, partition, 2, clock.due_at)
    grown = rss() - before
    assert len(schedule) == n
    return grown


def fresh_schedule_mib(n: int) -> float:
    """The bare schedule's RSS growth, measured in a fresh interpreter (this one reuses freed memory)."""
    code = f"import sys; sys.path.insert(0, {str(Path(__file__).parent)!r}); import sla; print(sla.schedule_mib({n}))"
    return float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout)


def show(title: str, figures: dict[str, float]) -> None:
    print(f"\n{title}")
    for k, v in figures.items():
        print(f"  {k:24s} {v:,.3f}" if isinstance(v, float) else f"  {k:24s} {v:,}")


async def main() -> None:
    print(f"SLA bench on {MONGO} / {KAFKA}, {os.cpu_count()} cores, {PARTITIONS} partitions per topic")
    print(f"  load average at start    {load_average()}")
    prefix = f"slabenchfloor{uuid.uuid4().hex[:6]}."
    await namespace(prefix, [topics.TopicSpec(prefix + "floor", PARTITIONS, "floor")], grant=False)
    try:
        floor_rate, floor_p50, floor_p99 = await kafka_floor(prefix, max(BURST, 5000), 700)
    finally:
        await drop_namespace(prefix)
    heap_bare, heap_schedule = heap_floor(min(max(PENDING, P4_PENDING), 200000))
    floors = {
        "kafka_acked_sends_per_s": floor_rate,
        "kafka_send_p50_ms": floor_p50,
        "kafka_send_p99_ms": floor_p99,
        "heapq_push_pop_per_s": heap_bare,
        "schedule_add_pop_per_s": heap_schedule,
    }
    show("raw floors (same run)", floors)
    p3: dict[str, float] = {}
    if PENDING or BURST:
        p3 = await run_case("p3", PENDING, BURST, idle_probe=True)
        show(f"P3: {PENDING:,} pending + {LAG_SET:,} lag set + burst of {BURST:,} in one second", p3)
        print(f"  burst rate / acked-send floor  {p3['burst_per_s'] / floor_rate:.3f}")
        met = p3["lag_p99_s"] <= 2 and p3["burst_all_on_topic_s"] <= 30 and not p3["missed"] and not p3["emitted_twice"]
        print(f"  goals: lag p99 <= 2 s, burst <= 30 s, 0 missed, 0 twice -> {'met' if met else 'MISSED'}")
    if P4_PENDING:
        base_rss = await empty_rss()
        p4 = await run_case("p4", P4_PENDING, 0, idle_probe=False)
        p4["rss_empty_mib"] = base_rss
        p4["rss_growth_mib"] = p4["rss_mib"] - base_rss
        bare = int(os.environ.get("BENCH_P4_BARE", str(P4_PENDING)))  # the bare schedule alone, at this size
        p4[f"bare_schedule_{bare // 1000}k_mib"] = fresh_schedule_mib(bare)
        show(f"P4: {P4_PENDING:,} pending + {LAG_SET:,} lag set in one instance", p4)
        if p3:
            print(f"  lag p99 vs P3          {p4['lag_p99_s'] / max(p3['lag_p99_s'], 1e-9):.2f}x")
        met = p4["rss_growth_mib"] <= 500 and p4["lag_p99_s"] <= 2 and not p4["missed"]
        print(f"  goals: RSS growth <= 500 MiB, lag unchanged -> {'met' if met else 'MISSED'}")


if __name__ == "__main__":
    asyncio.run(main())
