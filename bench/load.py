"""Load generators: open loop at a fixed rate (no coordinated omission) and closed loop.

Open loop: request *i* is due at ``start + i / rate`` by the clock, whatever happened to earlier
requests; its latency is measured from that scheduled time, so a slow server (or a starved client)
shows up as latency instead of silently lowering the offered rate. Requests still in flight when
``max_outstanding`` is reached are not sent and count as failures ("shed").
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from harness import percentile

Send = Callable[[int], Awaitable[tuple[bool, Any]]]  # request index -> (accepted?, detail)


@dataclass
class Sample:
    index: int
    scheduled: float  # wall clock (time.time) of the scheduled send
    latency: float  # seconds from the scheduled time to the response
    ok: bool
    detail: Any = None


@dataclass
class Step:
    rate: float
    duration: float
    samples: list[Sample] = field(default_factory=list)
    shed: int = 0
    elapsed: float = 0.0  # first scheduled send → last response

    @property
    def ok(self) -> list[Sample]:
        return [s for s in self.samples if s.ok]

    @property
    def failures(self) -> int:
        return self.shed + sum(1 for s in self.samples if not s.ok)

    @property
    def throughput(self) -> float:
        return len(self.ok) / self.elapsed if self.elapsed else 0.0

    def latencies(self) -> list[float]:
        return [s.latency for s in self.ok]

    def sustainable(self, slo_p99: float) -> bool:
        """Every request accepted, none shed, p99 within the SLO (a growing queue breaks it)."""
        return self.failures == 0 and bool(self.ok) and percentile(self.latencies(), 99) <= slo_p99


async def open_loop(
    send: Send, rate: float, duration: float, *, first_index: int = 0, max_outstanding: int = 2000
) -> Step:
    loop = asyncio.get_running_loop()
    step = Step(rate, duration)
    total = max(1, int(rate * duration))
    mono0 = loop.time() + 0.1
    wall0 = time.time() + (mono0 - loop.time())
    in_flight: set[asyncio.Task[None]] = set()

    async def one(i: int, due: float) -> None:
        try:
            ok, detail = await send(first_index + i)
        except Exception as exc:  # a refused connection or timeout is a failed request, not a crash
            ok, detail = False, repr(exc)
        step.samples.append(Sample(first_index + i, wall0 + (due - mono0), loop.time() - due, ok, detail))

    for i in range(total):
        due = mono0 + i / rate
        delay = due - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        if len(in_flight) >= max_outstanding:
            step.shed += 1
            continue
        task = asyncio.create_task(one(i, due))
        in_flight.add(task)
        task.add_done_callback(in_flight.discard)
    if in_flight:
        await asyncio.wait(in_flight)
    step.elapsed = loop.time() - mono0
    return step


async def closed_loop(op: Callable[[int], Awaitable[Any]], total: int, concurrency: int) -> float:
    """``total`` operations by ``concurrency`` workers back to back; returns operations per second."""
    counter = iter(range(total))

    async def worker() -> None:
        for i in counter:
            await op(i)

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return total / (time.perf_counter() - start)
