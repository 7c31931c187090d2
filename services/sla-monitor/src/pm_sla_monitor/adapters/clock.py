"""Clocks for the scheduler: the system clock, and a manual one that tests and benchmarks advance."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import UTC, datetime, timedelta


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)

    async def wait(self, until: datetime | None, wake: asyncio.Event) -> None:
        """Return at ``until`` (never, if ``None``) or as soon as ``wake`` is set."""
        timeout = None if until is None else max((until - self.now()).total_seconds(), 0.0)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(wake.wait(), timeout)


class ManualClock:
    """Time stands still until ``advance`` / ``set``; waiters wake whenever it moves."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or datetime.now(UTC)
        self._moved = asyncio.Event()

    def now(self) -> datetime:
        return self._now

    def set(self, moment: datetime) -> None:
        self._now = moment
        self._moved.set()
        self._moved = asyncio.Event()

    def advance(self, delta: timedelta) -> None:
        self.set(self._now + delta)

    async def wait(self, until: datetime | None, wake: asyncio.Event) -> None:
        while not wake.is_set() and (until is None or self._now < until):
            moved = asyncio.create_task(self._moved.wait())
            woken = asyncio.create_task(wake.wait())
            _, pending = await asyncio.wait({moved, woken}, return_when=asyncio.FIRST_COMPLETED)
            for task in pending:
                task.cancel()
