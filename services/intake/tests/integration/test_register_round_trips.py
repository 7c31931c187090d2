"""The round trips of one registration on the real engine: the rate-limit hit, the idempotency look-up,
the reference-number claim and the outbox pointer go side by side, then the item's insert and its
index entries: two serial round trips (measured on the driver: the longest chain of commands each
sent after the previous one answered). The guarantees stay: a retry with the same key is the same
item, a refused request's number goes to the next registration (no gap, no number twice), and the
outbox pointer is abandoned when no item is written."""

from __future__ import annotations

import asyncio
import threading
import time
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest
from pymongo import monitoring

from pm_common.mongo import Mongo
from pm_common.ratelimit import FixedWindowLimiter
from pm_common.testing import poll_until
from pm_common.testing.fixtures import Engines
from pm_intake.adapters.repository import MongoComplaintRepository
from pm_intake.domain.channels import Submitter
from pm_intake.domain.model import Registration
from pm_intake.entrypoints.errors import RateLimited
from pm_intake.service_layer import handlers
from pm_intake.service_layer.policy import IntakePolicy

pytestmark = pytest.mark.integration
POLICY = IntakePolicy(owner_secret="s" * 32)
DESK = handlers.Filer("desk-1", "staff:desk-1", Submitter(False))
BACKGROUND = {("update", "complaints"), ("delete", "outbox_pending")}  # the relay's, after the write


class Timed(monitoring.CommandListener):
    """``(command, collection, started, finished)`` of every command."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.open: dict[int, tuple[str, str, float]] = {}
        self.done: list[tuple[str, str, float, float]] = []

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        with self.lock:
            self.open[event.request_id] = (
                event.command_name,
                str(event.command.get(event.command_name)),
                time.monotonic(),
            )

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        self._end(event.request_id)

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        self._end(event.request_id)

    def _end(self, request_id: int) -> None:
        with self.lock:
            name, coll, began = self.open.pop(request_id)
            self.done.append((name, coll, began, time.monotonic()))

    async def quiet(self) -> bool:
        """Nothing in flight, and nothing answered in the last 50 ms (a background compaction is over)."""
        with self.lock:
            last = max((c[3] for c in self.done), default=0.0)
            return not self.open and time.monotonic() - last > 0.05

    def serial_depth(self) -> int:
        """Serial round trips: a new one starts with a command sent after everything sent before it
        answered (commands launched together start a few hundred microseconds apart, so a chain of
        "started after that one ended" would count a quick one as a step)."""
        cmds = sorted((c for c in self.done if (c[0], c[1]) not in BACKGROUND), key=lambda c: c[2])
        waves, wave_end = 0, float("-inf")
        for _, _, began, ended in cmds:
            if began >= wave_end:
                waves += 1
                wave_end = ended
            else:
                wave_end = max(wave_end, ended)
        return waves


class SlowLink:
    """A TCP proxy in front of the engine that delays every chunk sent to it by ``delay`` seconds, so a
    serial round trip is ≥ ``delay`` long and commands launched together (a few ms apart, more on a
    busy machine) cannot pass for consecutive ones."""

    def __init__(self, target: str, delay: float = 0.05) -> None:
        host, _, port = target.partition(":")
        self.target, self.delay = (host, int(port or 27017)), delay
        self.server: asyncio.Server | None = None

    async def __aenter__(self) -> str:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        return f"127.0.0.1:{self.server.sockets[0].getsockname()[1]}"

    async def __aexit__(self, *exc: object) -> None:
        assert self.server is not None
        self.server.close()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection(*self.target)
        await asyncio.gather(self._pipe(reader, up_writer, self.delay), self._pipe(up_reader, writer, 0.0))

    @staticmethod
    async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, delay: float) -> None:
        try:
            while chunk := await reader.read(65536):
                if delay:
                    await asyncio.sleep(delay)  # the injected latency itself, not a wait for a condition
                writer.write(chunk)
                await writer.drain()
        except ConnectionError:
            pass
        finally:
            writer.close()


@pytest.fixture
async def timed(engines: Engines, mongo: Mongo) -> Any:
    commands = Timed()
    url = urlsplit(engines.mongo_url)
    async with SlowLink(url.netloc.rpartition("@")[2]) as address:
        client = Mongo(
            urlunsplit(url._replace(netloc=url.netloc.replace(url.netloc.rpartition("@")[2], address))),
            mongo.db.name,
            event_listeners=(commands,),
        )
        await MongoComplaintRepository.create_indexes(client)
        repo = MongoComplaintRepository(client)
        await repo.upsert_estate({"_id": "SUNNY", "timezone": "Asia/Shanghai"})
        yield repo, FixedWindowLimiter(client.collection("rate_limits")), commands
        client.close()


def reg(content: str = "楼道灯不亮，麻烦尽快修理") -> Registration:
    return Registration.model_validate({"estate_id": "SUNNY", "channel": "app", "content": content})


async def test_a_registration_is_two_serial_round_trips(timed: Any) -> None:
    repo, limiter, commands = timed

    async def admit() -> None:
        if not (await limiter.hit("staff:desk-1", 100, 60)).allowed:
            raise RateLimited(60)

    now = datetime.now(UTC)
    for i in range(3):  # heads of logs and numbers probed, the driver's pool holds a connection per command
        await asyncio.gather(
            *(handlers.register(reg(), DESK, repo, POLICY, now, f"w-{i}-{j}", admit) for j in range(4))
        )
    acks = {}
    for key in ("k-1", "k-2", None):
        await poll_until(commands.quiet, timeout=10, interval=0.02, what="no command in flight")
        commands.done.clear()
        acks[key] = ack = await handlers.register(reg(), DESK, repo, POLICY, now, key, admit)
        names = sorted({(c[0], c[1]) for c in commands.done} - BACKGROUND)
        assert commands.serial_depth() == 2, (key, names, _dump(commands))
        assert ("insert", "reference_claims") in names and ("insert", "rate_limits") in names, names
        assert ack.reference_no is not None
    again = await handlers.register(reg(), DESK, repo, POLICY, now, "k-1", admit)  # a retry: the same item
    assert (again.complaint_id, again.reference_no) == (acks["k-1"].complaint_id, acks["k-1"].reference_no)
    assert len({a.reference_no for a in acks.values()}) == 3


async def test_a_refused_or_repeated_request_leaves_no_gap_and_no_pointer(timed: Any) -> None:
    repo, _, _ = timed
    now = datetime.now(UTC)
    refused = 0

    async def refuse() -> None:
        raise RateLimited(30)

    first = await handlers.register(reg(), DESK, repo, POLICY, now, "same")
    for _ in range(3):
        with pytest.raises(RateLimited):
            await handlers.register(reg(), DESK, repo, POLICY, now, None, refuse)
        refused += 1
        again = await handlers.register(reg(), DESK, repo, POLICY, now, "same")  # a retry: the same item
        assert (again.complaint_id, again.reference_no) == (first.complaint_id, first.reference_no)
    later = [await handlers.register(reg(f"第{i}件事情"), DESK, repo, POLICY, now) for i in range(3)]
    numbers = [int(a.reference_no.rsplit("-", 1)[1]) for a in [first, *later] if a.reference_no]
    assert sorted(numbers) == list(range(1, 5)), numbers  # the refused requests' numbers were reused
    assert refused == 3
    pointers = [p async for p in repo.mongo.db["outbox_pending"].find({})]
    assert all(p["d"] in {first.complaint_id, *(a.complaint_id for a in later)} for p in pointers), pointers


def _dump(commands: Timed) -> str:
    t0 = min(c[2] for c in commands.done)
    return "\n".join(
        f"{c[0]:8s} {c[1]:18s} {1000 * (c[2] - t0):7.1f} {1000 * (c[3] - t0):7.1f}"
        for c in sorted(commands.done, key=lambda c: c[2])
    )
