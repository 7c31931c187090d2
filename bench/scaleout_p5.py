"""P5 (issue #7): a second triage instance in the consumer group raises throughput.

    make bench-scaleout                               # 300 items per phase
    .venv/bin/python bench/scaleout_p5.py --items 1000

Intake and triage run as real processes (fresh DBs, random topic prefix on the shared engines).
Phases, each with ``--items`` complaints filed through intake's API while no triage runs (their
``complaint.received`` events wait on the topic's 6 partitions), then triage started with 1 instance
or 2 instances in one consumer group, alternating for ``--rounds`` rounds (the machine's load drifts).
Throughput = items per second between the broker timestamps of the 10th and the 90th percentile
``complaint.triaged`` of the phase (start-up, group join and the tail excluded); first → last too.
Raw floor right after each phase, the same shape: 1 or 2 bare aiokafka consumers in one group reading
as many records from a 6-partition topic, each record one insert + one acked send, nothing else.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import signal
import statistics
import time
import uuid

import httpx
from aiokafka import AIOKafkaConsumer
from floor import _producer, delete_topics, scratch_topics, template_from
from harness import (
    KAFKA,
    MONGO_URL,
    BenchStack,
    complaint,
    cpu_seconds,
    ferretdb_pid,
    machine,
    machine_jiffies,
    percentile,
    token,
)
from load import closed_loop
from observe import HopClock

from pm_common import topics as t
from pm_common.kafka import acls
from pm_common.kafka.security import KafkaAuth
from pm_common.mongo import Mongo

_COUNTER = itertools.count(1)  # item numbers across phases (each item's text and place differ)


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--items", type=int, default=300, help="complaints per phase")
    p.add_argument("--concurrency", type=int, default=16, help="concurrency of filing through intake")
    p.add_argument("--timeout", type=float, default=900.0, help="seconds to wait for a phase to drain")
    p.add_argument("--rounds", type=int, default=2, help="rounds of (× 1, × 2), each phase next to its floor")
    return p.parse_args(argv)


def rates(stamps: list[float]) -> tuple[float, float]:
    """(items/s between the 10th and 90th percentile timestamps, items/s first → last)."""
    n = len(stamps)
    p10, p90 = percentile(stamps, 10), percentile(stamps, 90)
    middle = 0.8 * n / (p90 - p10) if p90 > p10 else float("nan")
    span = max(stamps) - min(stamps)
    return middle, (n - 1) / span if span > 0 else float("nan")


async def phase(
    stack: BenchStack, client: httpx.AsyncClient, clock: HopClock, args: argparse.Namespace, k: int, n: int
) -> float:
    """File ``n`` items with triage stopped, then start ``k`` triage instances and time the drain."""
    ids: list[str] = []
    counter = _COUNTER

    async def file(i: int) -> None:
        response = await client.post("/v1/complaints", json=complaint(next(counter)))
        response.raise_for_status()
        ids.append(response.json()["complaint_id"])

    await closed_loop(file, n, args.concurrency)
    began = time.time()
    await asyncio.to_thread(stack.start_replicas, "triage", k)
    ready = time.time()
    cpu0, (busy0, all0) = [cpu_seconds(p.pid) for p in stack.replicas], machine_jiffies()
    db0 = cpu_seconds(ferretdb_pid())
    seen = await clock.wait_for(t.COMPLAINT_TRIAGED, ids, args.timeout)
    done = time.time()
    cpu1, (busy1, all1) = [cpu_seconds(p.pid) for p in stack.replicas], machine_jiffies()
    db1 = cpu_seconds(ferretdb_pid())
    stamps = [s for cid in ids if (s := clock.at(t.COMPLAINT_TRIAGED, cid)) is not None]
    await asyncio.to_thread(stack.stop_replicas)
    middle, whole = rates(stamps)
    after_ready = sum(1 for s in stamps if s >= ready)
    each = ", ".join(f"{(b - a) / max(done - ready, 1e-9):.0%}" for a, b in zip(cpu0, cpu1, strict=True))
    per_item = sum(b - a for a, b in zip(cpu0, cpu1, strict=True)) / max(after_ready, 1) * 1000
    print(
        f"  triage × {k}: {seen}/{n} triaged; {middle:6.1f} items/s (p10 → p90), {whole:6.1f} first → last;"
        f" {done - began:.1f} s from start to the last\n"
        f"    CPU from ready to the last ({done - ready:.1f} s, {after_ready} items): instances {each} of a core,"
        f" {per_item:.0f} ms per item; FerretDB {(db1 - db0) / max(done - ready, 1e-9):.0%} of a core (all clients);"
        f" machine busy {(busy1 - busy0) / max(all1 - all0, 1):.0%} of all cores",
        flush=True,
    )
    return middle


async def floor(template_value: bytes, headers: list[tuple[str, bytes]], topic: str, k: int, n: int) -> float:
    """``k`` bare consumers in one group: per record one insert + one acked send; items/s p10 → p90."""
    producer = _producer()
    await producer.start()
    db = Mongo(MONGO_URL, f"bench_floor_{uuid.uuid4().hex[:8]}")
    raw = db.db["hops"]
    stamps: list[float] = []
    try:
        for i in range(n):
            await producer.send(topic, template_value, key=f"k{i}".encode(), headers=headers)
        await producer.flush()
        group = f"{topic}.g{k}"
        consumers = [
            AIOKafkaConsumer(
                topic,
                bootstrap_servers=KAFKA,
                group_id=group,
                auto_offset_reset="earliest",
                **KafkaAuth.from_env().client_kwargs(),
            )
            for _ in range(k)
        ]

        async def run(consumer: AIOKafkaConsumer) -> None:
            await consumer.start()
            async for record in consumer:
                await raw.insert_one({"_id": uuid.uuid4().hex, "v": record.value})
                await producer.send_and_wait(topic + ".out", record.value, key=record.key)
                stamps.append(time.time())
                if len(stamps) >= n:
                    return

        tasks = [asyncio.create_task(run(c)) for c in consumers]
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED, timeout=600)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        for consumer in consumers:
            await consumer.stop()
        return rates(stamps)[0]
    finally:
        await producer.stop()
        await db.drop_database()
        db.close()


async def main(args: argparse.Namespace) -> None:
    stack = BenchStack(only=("intake",))
    print(f"P5 scale-out — {machine()}; run {stack.run_id}; logs {stack.log_dir}", flush=True)
    await acls.apply(KAFKA, stack.prefix)  # topics + the services' ACLs
    await asyncio.to_thread(stack.start)
    headers = {"Authorization": f"Bearer {token()}"}
    client = httpx.AsyncClient(base_url=stack.url("intake"), headers=headers, timeout=120)
    try:
        async with client, HopClock(stack.prefix, [t.COMPLAINT_RECEIVED, t.COMPLAINT_TRIAGED]) as clock:
            intake_db = stack.db("pm_intake")
            first = (await client.post("/v1/complaints", json=complaint(0))).json()["complaint_id"]
            template = await template_from(intake_db, stack.prefix + t.COMPLAINT_RECEIVED, first)
            intake_db.close()
            results: dict[int, list[tuple[float, float]]] = {1: [], 2: []}
            for round_ in range(args.rounds):  # alternate, each next to its own floor: the load drifts
                for k in (1, 2):
                    scratch, _ = await scratch_topics(stack.prefix, [f"p5.{round_}.{k}", f"p5.{round_}.{k}.out"])
                    measured = await phase(stack, client, clock, args, k, args.items)
                    raw = await floor(template.value, template.headers, scratch, k, args.items)
                    print(f"    raw floor × {k}: {raw:6.1f} items/s", flush=True)
                    results[k].append((measured, raw))
        print(f"\n=== P5 results ({args.items} items per phase, {args.rounds} rounds; {machine()}) ===")
        for k, pairs in results.items():
            for measured, raw in pairs:
                print(f"triage × {k}: {measured:6.1f} items/s   raw floor: {raw:6.1f}/s   ratio {measured / raw:.3f}")
        one = statistics.median(m for m, _ in results[1])
        two = statistics.median(m for m, _ in results[2])
        f1 = statistics.median(r for _, r in results[1])
        f2 = statistics.median(r for _, r in results[2])
        print(f"scale-out (medians): triage × 2 / × 1 = {two / one:.2f}  (raw floor: {f2 / f1:.2f}); goal: > 1")
    finally:
        stack.stop_replicas()
        stack.stop()
        await stack.drop()
        await delete_topics(stack.prefix)


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, signal.default_int_handler)  # clean up (stop services, drop DBs) on kill too
    asyncio.run(main(parse()))
