"""P2 / P2b (issue #7): HTTP accept → task persisted, and → first owner notification, on the whole stack.

    make bench-e2e                                    # small defaults, a few minutes
    .venv/bin/python bench/e2e_p2.py --help           # every knob
    .venv/bin/python bench/e2e_p2.py --stored 100000 --duration 60   # the full run (see bench/RESULTS.md)

All five services run as real processes (``pm_common.devstack.Stack``) with fresh databases and a
random topic prefix on the shared engines. Steps:
1. ``--stored N`` items first, through intake's own API (the services' write path), until each has its task;
2. a short open-loop ladder finds the max sustainable rate of this stack — accept p99 within the SLO
   and every task there ``--keep-up`` s after the step (or ``--rate R`` skips it);
3. **P2** at 50 % of it, open loop for ``--duration`` s: 3 in 4 items are ones triage accepts (→ a
   task in dispatch's DB), 1 in 4 ones it refuses automatically (→ the non-acceptance notice). Every
   item's first owner notification is its acknowledgement (``complaint.received`` → contact looked up
   from intake → SMS to the local provider sink, started by this script); refused items get their
   non-acceptance notice after triage. Latency = the stored time (``assigned_at`` / ``sent_at``, written
   by the service in the same write as the document) minus the request's *scheduled* send time; every
   process reads the same host clock;
4. **P2b**: ``--burst`` items sent as fast as intake takes them (``--concurrency``), then the time
   until every one has its task;
5. the raw floor of the same path, in the same run: 2 hops of bare insert + acked send + consume,
   open loop at the P2 rate and as a burst of the same size; the hop breakdown from the broker's
   record timestamps.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
import time
from pathlib import Path

import httpx
import idle
from aiokafka.errors import KafkaError
from floor import chain_floor, scratch_topics, template_from
from harness import KAFKA, BenchStack, complaint, machine, percentile, summary_ms, token
from load import Sample, closed_loop, open_loop
from observe import HopClock, times_by_id
from profiled import collect, profile_report

from pm_common import topics as t
from pm_common.devstack import SERVICES
from pm_common.kafka import acls
from pm_common.kafka.admin import ensure_topics
from pm_common.kafka.security import KafkaAuth
from pm_common.testing.fixtures import drop_namespace
from pm_notifier.localsink.runner import spawn_sink

GOALS = "goal: p50 ≤ 50 ms, p99 ≤ 300 ms at 100k stored"


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--stored", type=int, default=0, help="items loaded through the API before measuring")
    p.add_argument("--rate", type=float, default=0.0, help="P2 rate (/s); default: 50%% of the measured max")
    p.add_argument("--start-rate", type=float, default=2.0, help="first rate (/s) of the max-rate ladder")
    p.add_argument("--probe-duration", type=float, default=8.0, help="seconds per step of the max-rate ladder")
    p.add_argument("--slo-ms", type=float, default=2000.0, help="accept p99 a sustainable rate must stay under")
    p.add_argument("--keep-up", type=float, default=10.0, help="seconds after a ladder step for its tasks")
    p.add_argument("--duration", type=float, default=30.0, help="seconds of the P2 run (at least --min-items)")
    p.add_argument("--min-items", type=int, default=40, help="items of the P2 run at the least")
    p.add_argument("--burst", type=int, default=200, help="P2b burst size (issue #7: 1000)")
    p.add_argument("--concurrency", type=int, default=16, help="concurrency of loading and of the burst")
    p.add_argument("--profile", default="", help="services to run under cProfile + command monitor, e.g. triage,intake")
    p.add_argument("--drain-timeout", type=float, default=600.0, help="seconds to wait for tasks / notices")
    p.add_argument("--intake-db", default="", help="existing intake DB to use (`make seed N=100000 DB=…`); kept")
    p.add_argument("--idle", type=float, default=0.0, help="then measure idle CPU for this many seconds (issue #7 §4)")
    return p.parse_args(argv)


class Filer:
    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client
        self.ids: dict[int, str] = {}

    async def file(self, i: int) -> tuple[bool, str]:
        response = await self.client.post("/v1/complaints", json=complaint(i, refused=refused(i)))
        if response.status_code != 201:
            return False, f"{response.status_code} {response.text[:200]}"
        self.ids[i] = response.json()["complaint_id"]
        return True, self.ids[i]

    async def must_file(self, i: int) -> None:
        ok, detail = await self.file(i)
        if not ok:
            raise RuntimeError(f"intake refused an item: {detail}")


def refused(i: int) -> bool:
    return i % 4 == 3


def accepted_ids(filer: Filer, indices: range | list[int]) -> list[str]:
    return [filer.ids[i] for i in indices if i in filer.ids and not refused(i)]


async def wait_tasks(
    stack: BenchStack, clock: HopClock, cids: list[str], timeout: float, *, read: bool = True
) -> dict[str, float]:
    """``assigned_at`` of each complaint's task: wait for its ``task.assigned`` (published after the task
    was stored), then read each task once by ``_id`` (``read=False``: only wait)."""
    await clock.wait_for(t.TASK_ASSIGNED, cids, timeout)
    if not read:
        return {}
    db = stack.db("pm_dispatch")
    try:
        found = await times_by_id(db.collection("tasks"), [f"T-{c}" for c in cids], "assigned_at", timeout=5)
    finally:
        db.close()
    return {k[2:]: v for k, v in found.items()}


async def wait_owner_notices(
    stack: BenchStack, clock: HopClock, cids: list[str], timeout: float, template: str
) -> dict[str, float]:
    """``sent_at`` of each complaint's owner notification from ``template``, once the complaint has a
    ``feedback.sent`` (its acknowledgement comes first), polling until all are there or the deadline
    passes (the collection holds only this run's notices, so a pass over it is cheap)."""
    await clock.wait_for(t.FEEDBACK_SENT, cids, timeout)
    db = stack.db("pm_notifier")
    wanted, found = set(cids), {}
    end = time.monotonic() + min(timeout, 60)
    try:
        while True:
            async for doc in db.collection("notifications").find({"recipient_role": "owner", "template": template}):
                if doc["complaint_id"] in wanted and doc.get("sent_at") is not None:
                    found[doc["complaint_id"]] = doc["sent_at"].timestamp()
            if len(found) == len(wanted) or time.monotonic() > end:
                break
            await asyncio.sleep(1)
    finally:
        db.close()
    return found


async def max_rate(filer: Filer, clock: HopClock, args: argparse.Namespace, first: int) -> tuple[float, int, float]:
    """Doubling ladder from ``--start-rate`` (halving instead while even the first rate fails). A rate is
    sustainable when accept p99 ≤ ``--slo-ms`` *and* the pipeline keeps up: every task of the step
    exists ``--keep-up`` s after its last request. Returns the best such rate, the next item index and
    the lowest rate tried."""
    rate, best, index, failed, lowest = args.start_rate, 0.0, first, 0.0, args.start_rate
    while 0.1 <= rate <= 1000:
        lowest = min(lowest, rate)
        duration = max(args.probe_duration, 20 / rate)
        step = await open_loop(filer.file, rate, duration, first_index=index)
        cids = accepted_ids(filer, range(index, index + len(step.samples) + step.shed))
        index += len(step.samples) + step.shed
        seen = await clock.wait_for(t.TASK_ASSIGNED, cids, args.keep_up)
        print(
            f"  ladder {rate:6.2f}/s: {len(step.ok)} ok {step.failures} failed  {summary_ms(step.latencies())};"
            f" tasks after +{args.keep_up:.0f} s: {seen}/{len(cids)}",
            flush=True,
        )
        if seen < len(cids):
            await clock.wait_for(t.TASK_ASSIGNED, cids, args.drain_timeout)  # start the next step drained
        if step.sustainable(args.slo_ms / 1000) and seen == len(cids):
            best = rate
            if failed:
                break
            rate *= 2
        else:
            failed = rate
            if best:
                break
            rate /= 2
    return best, index, lowest


def latencies(samples: list[Sample], filer: Filer, done: dict[str, float]) -> list[float]:
    return [done[filer.ids[s.index]] - s.scheduled for s in samples if filer.ids.get(s.index) in done]


def report(label: str, values: list[float], expected: int, floor_p50: float) -> None:
    missing = expected - len(values)
    print(f"{label}: n={len(values)}{f' ({missing} MISSING)' if missing else ''}  {summary_ms(values)}")
    if values and floor_p50 > 0:
        print(f"    p50 = {percentile(values, 50) / floor_p50:.1f} × the raw floor's p50  ({GOALS})")


async def main(args: argparse.Namespace) -> None:
    stack = BenchStack(dbs={"pm_intake": args.intake_db} if args.intake_db else None)
    stored = f"{args.stored} + intake DB {args.intake_db}" if args.intake_db else str(args.stored)
    idle_up: dict[str, float] | None = None
    out = stack.log_dir / "profile"
    profiled = [name for name in args.profile.split(",") if name]
    for name in profiled:
        stack.wrapped[name] = [sys.executable, str(Path(__file__).with_name("profiled.py")), str(out)]
    print(f"P2 end to end — {machine()}; run {stack.run_id}; logs {stack.log_dir}", flush=True)
    sink, sink_env = spawn_sink(stack.log_dir)  # the owners' SMS go somewhere real (aiosmtpd + HTTP sink)
    stack.stack.env.update(
        {k: v for k, v in sink_env.items() if k.startswith("NOTIFIER_")},
        NOTIFIER_PUBLIC_URL=stack.url("notifier"),
        NOTIFIER_INTAKE_URL=stack.url("intake"),  # contacts at delivery time
        NOTIFIER_DISPATCH_URL=stack.url("dispatch"),
    )
    secured = KafkaAuth.from_env().enabled
    headers = {"Authorization": f"Bearer {token()}"}
    limits = httpx.Limits(max_connections=2000, max_keepalive_connections=2000)
    hops = [t.COMPLAINT_RECEIVED, t.COMPLAINT_TRIAGED, t.TASK_ASSIGNED, t.FEEDBACK_SENT]
    client = httpx.AsyncClient(base_url=stack.url("intake"), headers=headers, limits=limits, timeout=120)
    try:
        if secured:  # as in a deployment: topics and the services' ACLs exist before services subscribe
            await acls.apply(KAFKA, stack.prefix)
        else:
            await ensure_topics(KAFKA, stack.prefix)
        await asyncio.to_thread(stack.start)
        async with client, HopClock(stack.prefix, hops) as clock:
            filer = Filer(client)
            index = 0
            if args.stored:
                print(f"storing {args.stored} items through intake's API ...", flush=True)
                began = time.monotonic()
                await closed_loop(lambda i: filer.must_file(i), args.stored, args.concurrency)
                print(f"  accepted in {time.monotonic() - began:.0f} s; waiting for their tasks ...", flush=True)
                await wait_tasks(stack, clock, accepted_ids(filer, range(args.stored)), args.drain_timeout, read=False)
                print(f"  stored and drained in {time.monotonic() - began:.0f} s", flush=True)
                index = args.stored
            if args.rate:
                best, lowest = args.rate * 2, args.rate
            else:
                print(f"max sustainable accept rate of the whole stack ({args.probe_duration:.0f} s steps):")
                best, index, lowest = await max_rate(filer, clock, args, index)
            rate = best / 2
            if not best:
                rate = lowest
                print(f"NO sustainable rate found (machine saturated): P2 runs at the lowest rate tried, {rate}/s")
            duration = max(args.duration, args.min_items / rate)
            print(f"P2: open loop at {rate:.2f}/s (50 % of {best:.2f}/s) for {duration:.0f} s ...", flush=True)
            step = await open_loop(filer.file, rate, duration, first_index=index)
            index += len(step.samples) + step.shed
            ok = step.ok
            task_cids = accepted_ids(filer, [s.index for s in ok])
            all_cids = [filer.ids[s.index] for s in ok if s.index in filer.ids]
            notice_cids = [filer.ids[s.index] for s in ok if refused(s.index)]
            tasks = await wait_tasks(stack, clock, task_cids, args.drain_timeout)
            acks = await wait_owner_notices(stack, clock, all_cids, args.drain_timeout, "acknowledgement")
            # triage may route an item it used to refuse to a person instead (no automatic notice)
            notices = await wait_owner_notices(stack, clock, notice_cids, 60, "non_acceptance")
            breakdown = hop_breakdown(clock, ok, filer)

            print(f"P2b: burst of {args.burst} at concurrency {args.concurrency} ...", flush=True)
            burst = [i for i in range(index, index + 4 * args.burst) if not refused(i)][: args.burst]
            began = time.time()
            await closed_loop(lambda k: filer.must_file(burst[k]), len(burst), args.concurrency)
            accepted_in = time.time() - began
            burst_tasks = await wait_tasks(stack, clock, [filer.ids[i] for i in burst], args.drain_timeout)

            intake_db = stack.db("pm_intake")
            template = await template_from(intake_db, stack.prefix + t.COMPLAINT_RECEIVED, filer.ids[0])
            intake_db.close()
            floor_topics = await scratch_topics(stack.prefix, ["a", "b"])
            chain, burst_floor = await chain_floor(
                template, floor_topics, rate, duration, burst=len(burst), concurrency=args.concurrency
            )
        floor_p50 = percentile(chain.latencies(), 50)
        print(f"\n=== P2 results (stored before: {stored}; {machine()}) ===")
        print(f"accept (HTTP 201) at {rate:.2f}/s: {summary_ms(step.latencies())}; {step.failures} failed")
        report("accept → task persisted        ", latencies(ok, filer, tasks), len(task_cids), floor_p50)
        report("accept → acknowledgement sent  ", latencies(ok, filer, acks), len(all_cids), floor_p50)
        if notices:
            report("accept → non-acceptance sent   ", latencies(ok, filer, notices), len(notice_cids), floor_p50)
        else:  # triage holds a low-confidence "outside duties" item for a supervisor instead of refusing it
            print(f"accept → non-acceptance sent   : none of {len(notice_cids)} (triage held them for review)")
        print(f"raw floor (2 hops insert + acked send + consume) at {rate:.2f}/s: {summary_ms(chain.latencies())}")
        for name, values in breakdown.items():
            print(f"    hop {name:32s} {summary_ms(values)}")
        done_at = max(burst_tasks.values(), default=began)
        missing = len(burst) - len(burst_tasks)
        drained = done_at - began
        print(
            f"P2b: {len(burst)} accepted in {accepted_in:.1f} s; all tasks after {drained:.1f} s"
            f"{f' ({missing} MISSING)' if missing else ''} = {drained / max(burst_floor, 1e-9):.1f} × the raw"
            f" floor's {burst_floor:.1f} s  (goal ≤ 30 s at 100k stored)"
        )
        if args.idle:
            print(f"idle: {args.idle:.0f} s with no traffic ...", flush=True)
            idle_up = await idle.services_window(stack, args.idle)
    finally:
        modules = {name: next(s.module for s in SERVICES if s.name == name) for name in profiled}
        collected = [name for name in profiled if await collect(out, modules[name], stack.pid(name))]
        stack.stop()
        if idle_up is not None:
            idle.report(idle_up, await idle.cpu_window(idle.engine_pids(), args.idle), stored)
        for name in collected:
            profile_report(out, modules[name])
        sink.terminate()
        sink.wait(timeout=15)
        await stack.drop()
        try:  # the run's topics and (secured broker) its ACLs
            await drop_namespace(KAFKA, stack.prefix, secured=secured)
        except KafkaError as exc:  # a loaded broker may time out: say what is left, keep the figures
            print(f"cleanup incomplete ({exc!r}): python -m pm_common.kafka.acls remove --prefix {stack.prefix}")


def hop_breakdown(clock: HopClock, samples: list[Sample], filer: Filer) -> dict[str, list[float]]:
    """Per hop, from the broker's record timestamps (accepted items only)."""
    out: dict[str, list[float]] = {"scheduled → received published": [], "received → triaged published": []}
    out["triaged → task.assigned published"] = []
    for s in samples:
        cid = filer.ids.get(s.index)
        if cid is None or refused(s.index):
            continue
        at = [clock.at(topic, cid) for topic in (t.COMPLAINT_RECEIVED, t.COMPLAINT_TRIAGED, t.TASK_ASSIGNED)]
        for values, start, end in zip(out.values(), [s.scheduled, *at[:2]], at, strict=True):
            if start is not None and end is not None:
                values.append(end - start)
    return out


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, signal.default_int_handler)  # clean up (stop services, drop DBs) on kill too
    asyncio.run(main(parse()))
