"""Batches in flight vs. rebalances: many batches at a time, or one rebalance with none in flight."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator


class BatchGate:
    """A batch ``enter``s before its clocks are taken from the schedule and ``leave``s once it is
    written (or given back); a rebalance holds the gate ``exclusive``: no new batch starts, and it
    waits until those in flight are done, so a partition is never released under a batch."""

    def __init__(self) -> None:
        self._lock = asyncio.Lock()
        self._in_flight = 0
        self._idle = asyncio.Event()
        self._idle.set()

    async def enter(self) -> None:
        async with self._lock:  # waits while a rebalance holds the gate
            self._in_flight += 1
            self._idle.clear()

    def leave(self) -> None:
        self._in_flight -= 1
        if self._in_flight == 0:
            self._idle.set()

    @property
    def in_flight(self) -> int:
        return self._in_flight

    @contextlib.asynccontextmanager
    async def exclusive(self) -> AsyncIterator[None]:
        async with self._lock:
            await self._idle.wait()
            yield
