"""The notifier's timer schedule on the real engine: looking for what is due sends no command unless
something is due (the idle cost was a read of every timer each second), and no timer is lost or run
stale across a restart or a second instance (the collection stays the source of truth)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from pm_common.mongo import Mongo
from pm_common.testing import poll_until
from pm_notifier.adapters.timers import MongoTimers

pytestmark = pytest.mark.integration
NOW = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)


async def test_an_idle_look_sends_nothing_and_a_due_timer_is_read_by_id(watched: Any) -> None:
    client, commands = watched
    timers = MongoTimers(client)
    await timers.set("delivery", "d-1", NOW + timedelta(minutes=5))
    await timers.set("page", "p-1", NOW + timedelta(minutes=1), {"x": 1})
    assert await timers.due(NOW) == []  # the first look loads the schedule: one read of the collection
    commands.seen.clear()
    for s in range(100):
        assert await timers.due(NOW + timedelta(seconds=s / 2)) == []
    assert commands.seen == []  # a hundred idle ticks: not one command
    assert timers.next_due() == NOW + timedelta(minutes=1)

    due = await timers.due(NOW + timedelta(minutes=2))
    assert [(t["kind"], t["ref"], t["data"]) for t in due] == [("page", "p-1", {"x": 1})]
    assert commands.filters() == [("find", {"_id": "page:p-1"})]  # one read by _id per due timer
    due = await timers.due(NOW + timedelta(minutes=6))  # a timer stays due until its use case clears it
    assert [t["ref"] for t in due] == ["p-1", "d-1"]  # earliest first
    await timers.clear("page", "p-1")
    await timers.set("delivery", "d-1", NOW + timedelta(hours=1))  # moved
    assert await timers.due(NOW + timedelta(minutes=30)) == []
    assert timers.next_due() == NOW + timedelta(hours=1)


async def test_timers_survive_a_restart(mongo: Mongo) -> None:
    first = MongoTimers(mongo)
    await first.set("no_response", "c-1", NOW + timedelta(days=7))
    await first.set("progress", "c-2", NOW + timedelta(hours=48), {"n": 0})
    await first.set("delivery", "d-9", NOW)
    await first.clear("delivery", "d-9")
    restarted = MongoTimers(mongo)  # a new process: nothing in memory
    assert await restarted.due(NOW + timedelta(hours=1)) == []
    due = await restarted.due(NOW + timedelta(days=8))
    assert [(t["kind"], t["ref"]) for t in due] == [("progress", "c-2"), ("no_response", "c-1")]
    assert due[0]["data"] == {"n": 0}


async def test_another_instances_writes_are_respected(mongo: Mongo) -> None:
    mine, theirs = MongoTimers(mongo, resync_seconds=0.3), MongoTimers(mongo, resync_seconds=0.3)
    await mine.set("page", "p-1", NOW)
    await mine.set("page", "p-2", NOW)
    assert sorted(t["ref"] for t in await mine.due(NOW)) == ["p-1", "p-2"]
    await theirs.clear("page", "p-1")  # acknowledged through the other instance's API
    await theirs.set("page", "p-2", NOW + timedelta(minutes=5))  # escalated there, next step later
    assert await mine.due(NOW + timedelta(minutes=1)) == []  # re-read by _id: neither runs stale
    await theirs.set("delivery", "d-1", NOW)  # written only there

    async def seen() -> list[str]:
        return [t["ref"] for t in await mine.due(NOW + timedelta(minutes=10))]

    got = await poll_until(lambda: _if(seen, ["d-1", "p-2"]), timeout=10, what="the other instance's timer")
    assert got == ["d-1", "p-2"]  # picked up by the reload every resync_seconds


async def _if(get: Any, want: list[str]) -> list[str] | None:
    got: list[str] = await get()
    return got if got == want else None
