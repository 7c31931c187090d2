"""P1 (issue #7): sustained accepted complaints/s through intake's real HTTP API vs the raw floor.

    make bench-intake                                 # small defaults, a few minutes
    .venv/bin/python bench/intake_p1.py --help        # every knob
    .venv/bin/python bench/intake_p1.py --intake-db bench_100k    # at 100k stored (make seed N=100000 DB=bench_100k)

Intake runs as a real process (``python -m pm_intake``) on a free port with its own fresh database
and topic prefix on the shared engines (MONGO_URL, KAFKA_BOOTSTRAP). Printed:
1. the raw floor (bare driver insert of a same-size document + acked aiokafka send, acks=all, of the
   same event) at ``--concurrency`` — measured before, between and after, the median is the floor;
2. intake closed loop at the same concurrency, and its ratio to the floor (goal ≥ 0.6);
3. an open-loop ladder at fixed rates (latency from each request's scheduled time, so no coordinated
   omission): p50/p99/p99.9 per rate; the max sustainable rate (no failure, p99 ≤ ``--slo-ms``),
   refined by bisection, and its ratio to the floor;
4. with ``--profile``: intake under cProfile plus a per-command database timing (bench/profiled.py).
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import httpx
from floor import delete_topics, measure_floor, scratch_topics, template_from
from harness import KAFKA, BenchStack, complaint, cpu_seconds, ferretdb_pid, machine, summary_ms, token
from load import Step, closed_loop, open_loop
from profiled import collect, profile_report

from pm_common.kafka import acls
from pm_common.testing import poll_until


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--concurrency", type=int, default=16, help="closed-loop concurrency of floor and intake")
    p.add_argument("--closed", type=int, default=300, help="requests of the closed-loop run")
    p.add_argument("--floor-n", type=int, default=300, help="operations of each floor run")
    p.add_argument("--start-rate", type=float, default=5.0, help="first open-loop rate (/s); doubled until it fails")
    p.add_argument("--rates", default="", help="explicit comma-separated rates instead of the doubling ladder")
    p.add_argument("--duration", type=float, default=15.0, help="seconds per open-loop rate")
    p.add_argument("--refine", type=int, default=2, help="bisection steps between the last good and first bad rate")
    p.add_argument("--max-rate", type=float, default=2000.0, help="the doubling ladder stops here")
    p.add_argument("--slo-ms", type=float, default=1000.0, help="p99 a sustainable rate must stay under")
    p.add_argument("--preload", type=int, default=0, help="complaints stored through the API before measuring")
    p.add_argument("--intake-db", default="", help="existing intake DB to use (`make seed N=100000 DB=…`); kept")
    p.add_argument("--profile", action="store_true", help="run intake under cProfile + command monitor")
    return p.parse_args(argv)


class Intake:
    def __init__(self, client: httpx.AsyncClient, tag: str) -> None:
        self.client = client
        self.tag = tag

    async def file(self, i: int) -> tuple[bool, Any]:
        response = await self.client.post("/v1/complaints", json=complaint(i, tag=self.tag))
        if response.status_code != 201:
            return False, f"{response.status_code} {response.text[:200]}"
        return True, response.json()["complaint_id"]

    async def must_file(self, i: int) -> str:
        ok, detail = await self.file(i)
        if not ok:
            raise RuntimeError(f"intake refused a complaint: {detail}")
        return str(detail)


def print_step(step: Step) -> None:
    print(
        f"  {step.rate:7.1f}/s offered  {step.throughput:7.1f}/s accepted  "
        f"{len(step.ok):5d} ok {step.failures:4d} failed  {summary_ms(step.latencies())}",
        flush=True,
    )


async def ladder(intake: Intake, args: argparse.Namespace, base: int) -> tuple[list[Step], float]:
    """Open-loop steps (doubling until one fails, then bisection); the highest sustainable rate."""
    slo = args.slo_ms / 1000
    steps: list[Step] = []
    good, bad = 0.0, 0.0

    async def run(rate: float) -> None:
        nonlocal good, bad
        first = base + sum(len(s.samples) + s.shed for s in steps)
        step = await open_loop(intake.file, rate, args.duration, first_index=first)
        steps.append(step)
        print_step(step)
        if step.sustainable(slo):
            good = max(good, rate)
        else:
            bad = min(bad, rate) if bad else rate

    explicit = [float(r) for r in args.rates.split(",") if r]
    for rate in explicit:
        await run(rate)
    if explicit:
        return steps, good
    rate = args.start_rate
    while not bad and rate <= args.max_rate:
        await run(rate)
        rate *= 2
    for _ in range(args.refine if bad else 0):
        await run(round((good + bad) / 2 if good else bad / 2, 1))
    return steps, good


async def main(args: argparse.Namespace) -> None:
    stack = BenchStack(only=("intake",), dbs={"pm_intake": args.intake_db} if args.intake_db else None)
    out = stack.log_dir / "profile"
    if args.profile:
        stack.wrapped["intake"] = [sys.executable, str(Path(__file__).with_name("profiled.py")), str(out)]
    print(f"P1 intake — {machine()}; run {stack.run_id}; logs {stack.log_dir}", flush=True)
    await acls.apply(KAFKA, stack.prefix)  # as in a deployment: topics + ACLs exist before services start
    await asyncio.to_thread(stack.start)
    intake_db = stack.db("pm_intake")
    headers = {"Authorization": f"Bearer {token()}"}
    limits = httpx.Limits(max_connections=2000, max_keepalive_connections=2000)
    stored = 0
    try:
        client = httpx.AsyncClient(base_url=stack.url("intake"), headers=headers, limits=limits, timeout=60)
        async with client:
            intake = Intake(client, tag="")
            first = await intake.must_file(0)
            template = await template_from(intake_db, f"{stack.prefix}complaint.received", first)
            (floor_topic,) = await scratch_topics(stack.prefix, ["p1"])
            base = 1
            if args.preload:
                print(f"preloading {args.preload} complaints through the API ...", flush=True)
                await closed_loop(intake.must_file, args.preload, args.concurrency)
                base += args.preload
            print(f"document {template.size} bytes (BSON, with its outbox entry); event {len(template.value)} bytes")
            floors = [await measure_floor(template, floor_topic, args.floor_n, args.concurrency)]
            print(f"raw floor, concurrency {args.concurrency}: {floors[0]:7.1f} ops/s", flush=True)
            pid, fpid = stack.pid("intake"), ferretdb_pid()
            cpu0 = (cpu_seconds(pid), cpu_seconds(fpid) if fpid else 0.0, time.monotonic())
            closed = await closed_loop(lambda i: intake.must_file(base + i), args.closed, args.concurrency)
            base += args.closed
            print(f"intake closed loop, concurrency {args.concurrency}: {closed:7.1f} complaints/s", flush=True)
            floors.append(await measure_floor(template, floor_topic, args.floor_n, args.concurrency))
            print(f"raw floor again: {floors[-1]:7.1f} ops/s", flush=True)
            print(f"open loop, {args.duration:.0f} s per rate, SLO p99 ≤ {args.slo_ms:.0f} ms:", flush=True)
            _, best = await ladder(intake, args, base)
            cpu1 = (cpu_seconds(pid), cpu_seconds(fpid) if fpid else 0.0, time.monotonic())
            floors.append(await measure_floor(template, floor_topic, args.floor_n, args.concurrency))
            print(f"raw floor again: {floors[-1]:7.1f} ops/s", flush=True)
            pointers = intake_db.db["outbox_pending"]
            await poll_until(lambda: _none_left(pointers), timeout=120, interval=0.5, what="outbox drained")
        floor = statistics.median(floors)
        wall = cpu1[2] - cpu0[2]
        # a count scans every document on FerretDB (> 10 s at 100k): a seeded DB is reported by name
        stored = base if args.intake_db else await intake_db.db["complaints"].estimated_document_count()
        print("\n=== P1 results ===")
        samples = ", ".join(f"{f:.1f}" for f in floors)
        print(f"raw floor (median of {samples}): {floor:.1f} ops/s at concurrency {args.concurrency}")
        print(f"intake closed loop:    {closed:.1f}/s = {closed / floor:.3f} × floor  (goal ≥ 0.6)")
        print(f"max sustainable open-loop rate: {best:.1f}/s = {best / floor:.3f} × floor", end="")
        print(f"  (p99 ≤ {args.slo_ms:.0f} ms)")
        print(
            f"CPU while measuring: intake {(cpu1[0] - cpu0[0]) / wall:.0%} of a core, "
            f"FerretDB {(cpu1[1] - cpu0[1]) / wall:.0%} (all its clients) — {machine()}"
        )
        seeded = f"{args.intake_db} + " if args.intake_db else ""
        print(f"stored complaints at the end: {seeded}{stored}; outbox drained: yes")
    finally:
        profiled = args.profile and await collect(out, "pm_intake", stack.pid("intake"))
        stack.stop()
        if profiled:
            profile_report(out, "pm_intake", stored)
        await stack.drop()
        intake_db.close()
        await delete_topics(stack.prefix)


async def _none_left(pointers: Any) -> bool:
    return await pointers.count_documents({}) == 0


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, signal.default_int_handler)  # clean up (stop services, drop DBs) on kill too
    asyncio.run(main(parse()))
