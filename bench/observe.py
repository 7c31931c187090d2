"""Reading what the services recorded, cheaply: documents by ``_id`` (the one lookup FerretDB pushes
down) and the broker's record timestamps of each hop (one consumer, no group)."""

from __future__ import annotations

import asyncio
import json
import time
from datetime import datetime
from typing import Any

from aiokafka import AIOKafkaConsumer
from harness import AUTH, KAFKA


async def times_by_id(
    collection: Any, ids: list[str], field: str, *, timeout: float, interval: float = 0.5, chunk: int = 32
) -> dict[str, float]:
    """``{_id: doc[field] as epoch seconds}`` for every id, polling by ``_id`` until all exist or the
    deadline passes (then the missing ones are simply absent: the caller reports them)."""
    found: dict[str, float] = {}
    pending = list(ids)
    end = time.monotonic() + timeout
    shown = time.monotonic()
    while pending and time.monotonic() < end:
        if time.monotonic() - shown > 15:
            shown = time.monotonic()
            print(f"    ... {len(found)} of {len(ids)} {collection.name} so far", flush=True)
        for start in range(0, len(pending), chunk):
            part = pending[start : start + chunk]
            docs = await asyncio.gather(*(collection.find_one({"_id": i}, {field: 1}) for i in part))
            for i, doc in zip(part, docs, strict=True):
                if doc is not None and isinstance(doc.get(field), datetime):
                    found[i] = doc[field].timestamp()
        pending = [i for i in pending if i not in found]
        if pending:
            await asyncio.sleep(interval)
    return found


def complaint_of(value: bytes | None) -> str | None:
    """The ``complaint_id`` of an event's payload: every hop is looked up by complaint, whatever the
    record's key (``task.*`` events are keyed by their task id)."""
    try:
        data = json.loads(value or b"")
    except ValueError:
        return None
    if isinstance(data, dict) and isinstance(data.get("data"), dict):  # structured mode: the envelope
        data = data["data"]
    found = data.get("complaint_id") if isinstance(data, dict) else None
    return found if isinstance(found, str) else None


class HopClock:
    """First broker timestamp (ms, producer create time) of each (topic, complaint) of the run's topics."""

    def __init__(self, prefix: str, topics: list[str]) -> None:
        self.prefix = prefix
        self.consumer = AIOKafkaConsumer(
            *[prefix + t for t in topics], bootstrap_servers=KAFKA, group_id=None, auto_offset_reset="earliest", **AUTH
        )
        self.first: dict[tuple[str, str], float] = {}
        self._task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> HopClock:
        await self.consumer.start()
        self._task = asyncio.create_task(self._run())
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        await self.consumer.stop()

    async def _run(self) -> None:
        while True:
            batches = await self.consumer.getmany(timeout_ms=500, max_records=1000)
            for records in batches.values():
                for r in records:
                    key = (r.topic[len(self.prefix) :], complaint_of(r.value) or (r.key or b"").decode())
                    self.first.setdefault(key, r.timestamp / 1000)

    def at(self, topic: str, key: str) -> float | None:
        return self.first.get((topic, key))

    async def wait_for(self, topic: str, keys: list[str], timeout: float) -> int:
        """Wait (in memory, no database load) until every key has an event on ``topic``; how many do."""
        end = time.monotonic() + timeout
        shown = time.monotonic()
        seen = 0
        while time.monotonic() < end:
            seen = sum(1 for k in keys if (topic, k) in self.first)
            if seen == len(keys):
                break
            if time.monotonic() - shown > 15:
                shown = time.monotonic()
                print(f"    ... {seen} of {len(keys)} {topic} so far", flush=True)
            await asyncio.sleep(0.2)
        return seen
