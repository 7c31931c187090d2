"""Idle cost of the whole platform (issue #7 §4: < 10 % of one core with 100k stored and no traffic).

CPU (user + system, from /proc) of every service process and of both engines over a quiet window,
then of the engines alone once the services are stopped. The engines are shared with whatever else
runs on the machine (other agents' tests here), so their figure with the services up is an upper
bound; the difference to the window without the services is what the platform itself makes them do.
"""

from __future__ import annotations

import asyncio
import math
import time

from harness import BenchStack, cpu_seconds, engine_pid

ENGINES = ("ferretdb", "kafka")


async def cpu_window(pids: dict[str, int | None], seconds: float) -> dict[str, float]:
    """Each process's CPU over the next ``seconds``, as a fraction of one core (nan when not running)."""
    before = {name: cpu_seconds(pid) for name, pid in pids.items()}
    began = time.monotonic()
    await asyncio.sleep(seconds)  # the measurement window itself: nothing is awaited here
    wall = time.monotonic() - began
    return {name: (cpu_seconds(pid) - before[name]) / wall for name, pid in pids.items()}


def engine_pids() -> dict[str, int | None]:
    return {name: engine_pid(name) for name in ENGINES}


async def services_window(stack: BenchStack, seconds: float) -> dict[str, float]:
    pids: dict[str, int | None] = {name: proc.pid for name, proc in stack.stack.processes.items()}
    return await cpu_window({**pids, **engine_pids()}, seconds)


def report(with_services: dict[str, float], engines_alone: dict[str, float], stored: str) -> None:
    services = {k: v for k, v in with_services.items() if k not in ENGINES}
    own = sum(v for v in services.values() if not math.isnan(v))
    print(f"\n=== idle, {stored} stored, no traffic (goal: whole platform < 10 % of one core) ===")
    for name, share in services.items():
        print(f"    {name:12s} {share:7.1%} of a core")
    print(f"    services together: {own:.1%} of a core")
    for name in ENGINES:
        up, alone = with_services.get(name, math.nan), engines_alone.get(name, math.nan)
        print(f"    {name:12s} {up:7.1%} with the services up, {alone:7.1%} without them (shared with other users)")
    extra = sum(with_services.get(n, 0.0) - engines_alone.get(n, 0.0) for n in ENGINES)
    print(f"    platform total ≈ {own + max(extra, 0.0):.1%} of a core (services + what they add to the engines)")
