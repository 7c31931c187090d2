"""Polling with a deadline (never bare sleeps) and a probe that reads events from real topics."""

from __future__ import annotations

import asyncio
import random
import socket
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

from aiokafka import AIOKafkaConsumer

from pm_common.events.envelope import Envelope
from pm_common.kafka.security import KafkaAuth

T = TypeVar("T")


_HANDED_OUT: set[int] = set()


def free_port() -> int:
    """A port to listen on later, outside the kernel's ephemeral range: a port the kernel hands out
    (bind to 0) may meanwhile become the source port of an outgoing connection, and the server that
    binds it afterwards fails with "address already in use" (seen with Kafka on a busy machine)."""
    low, high = _ephemeral_range()
    candidates = [p for p in range(20000, 32768) if not low <= p <= high] or list(range(1024, low))
    for _ in range(200):
        port = random.choice(candidates)
        if port in _HANDED_OUT:  # this process asked for it already (its server may not listen yet)
            continue
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            _HANDED_OUT.add(port)
            return port
    with socket.socket() as sock:  # a crowded range: fall back to the kernel's choice
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _ephemeral_range() -> tuple[int, int]:
    try:
        low, high = Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()
        return int(low), int(high)
    except (OSError, ValueError):
        return 32768, 60999  # Linux's default


def unique_name(prefix: str = "t") -> str:
    return f"{prefix}{uuid.uuid4().hex[:10]}"


async def poll_until(
    check: Callable[[], Awaitable[T | None]], *, timeout: float = 30.0, interval: float = 0.2, what: str = "condition"
) -> T:
    """Call ``check`` until it returns something truthy; fail with ``what`` after ``timeout`` seconds."""
    end = time.monotonic() + timeout
    last: T | None = None
    while time.monotonic() < end:
        last = await check()
        if last:
            return last
        await asyncio.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what} (last value: {last!r})")


class EventProbe:
    """Reads a set of topics from the beginning and collects envelopes, for assertions."""

    def __init__(self, bootstrap: str, prefix: str, topics: list[str]) -> None:
        self.prefix = prefix
        self.consumer = AIOKafkaConsumer(
            *[prefix + t for t in topics],
            bootstrap_servers=bootstrap,
            group_id=None,
            auto_offset_reset="earliest",
            enable_auto_commit=False,
            **KafkaAuth.from_env().client_kwargs(),
        )
        self.events: list[tuple[str, Envelope, dict[str, bytes]]] = []
        self.raw: list[tuple[str, bytes, dict[str, bytes]]] = []

    async def __aenter__(self) -> EventProbe:
        await self.consumer.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.consumer.stop()

    async def _drain(self) -> None:
        batches = await self.consumer.getmany(timeout_ms=200)
        for records in batches.values():
            for r in records:
                topic = r.topic[len(self.prefix) :]
                headers = {k: v for k, v in (r.headers or [])}
                self.raw.append((topic, r.value or b"", headers))
                try:
                    self.events.append((topic, Envelope.read(r.value or b""), headers))
                except ValueError:
                    pass

    async def wait_for(
        self,
        topic: str,
        predicate: Callable[[Envelope], bool] = lambda e: True,
        *,
        timeout: float = 30.0,
        count: int = 1,
    ) -> list[Envelope]:
        async def check() -> list[Envelope] | None:
            await self._drain()
            found = [e for t, e, _ in self.events if t == topic and predicate(e)]
            return found if len(found) >= count else None

        return await poll_until(check, timeout=timeout, interval=0.05, what=f"{count} event(s) on {topic}")

    async def wait_for_raw(self, topic: str, *, timeout: float = 30.0) -> tuple[bytes, dict[str, bytes]]:
        async def check() -> tuple[bytes, dict[str, bytes]] | None:
            await self._drain()
            for t, value, headers in self.raw:
                if t == topic:
                    return value, headers
            return None

        return await poll_until(check, timeout=timeout, interval=0.05, what=f"a message on {topic}")


def received_event(cid: str, content: str = "电梯坏了", estate_id: str = "E1") -> Envelope:
    """A ``complaint.received`` event for tests of the spine (outbox, relay, consumer loop)."""
    from datetime import UTC, datetime

    from pm_common.events import ComplaintReceived, new_event

    now = datetime.now(UTC)
    payload = ComplaintReceived(
        complaint_id=cid,
        reference_no=f"{estate_id}-{cid}",
        estate_id=estate_id,
        channel="app",
        content=content,
        raised_at=now,
        received_at=now,
    )
    return new_event(payload, source="test", estate_id=estate_id)


async def value_of(value: T) -> T:
    """An awaitable of a plain value, for ``poll_until(lambda: value_of(...))``."""
    return value


def same_partition_key(key: str, partitions: int) -> str:
    """A made-up key whose messages go to ``key``'s partition (the producer's murmur2 hash): published
    after ``key``'s, it is consumed after them, so seeing it consumed proves they were."""
    from aiokafka.partitioner import murmur2

    def partition(k: str) -> int:
        return int(murmur2(k.encode()) & 0x7FFFFFFF) % partitions

    while partition(other := uuid.uuid4().hex) != partition(key):
        pass
    return other
