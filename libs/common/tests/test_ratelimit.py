"""The shared rate limiter on the real document DB: exact across replicas under concurrency, and a
constant number of ``_id``-only operations per request (FerretDB pushes down nothing else)."""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

import pytest

from pm_common.mongo import Collection, Mongo
from pm_common.ratelimit import FixedWindowLimiter

pytestmark = pytest.mark.integration


class Counted:
    """The real collection, counting the operations the limiter sends it (instrumentation, not a fake)."""

    def __init__(self, inner: Collection) -> None:
        self.inner = inner
        self.calls: Counter[str] = Counter()
        self.filters: list[dict[str, Any]] = []

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self.inner, name)

        async def counted(*args: Any, **kwargs: Any) -> Any:
            self.calls[name] += 1
            if args and isinstance(args[0], dict) and name != "insert_one":
                self.filters.append(args[0])
            return await attr(*args, **kwargs)

        return counted


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


async def test_exact_across_replicas_under_concurrency(mongo: Mongo) -> None:
    collection = mongo.collection("rate_limits")
    replicas = [FixedWindowLimiter(collection) for _ in range(3)]
    decisions = await asyncio.gather(*(replicas[i % 3].hit("otp-ip:198.51.100.7", 25, 3600) for i in range(90)))
    allowed = sorted(d.count for d in decisions if d.allowed)
    assert allowed == list(range(1, 26))  # exactly the limit, each slot once
    assert all(d.retry_after_seconds > 0 for d in decisions if not d.allowed)
    assert await collection.count_documents({}) == 25


async def test_constant_id_only_operations_per_request(mongo: Mongo) -> None:
    counted = Counted(mongo.collection("rate_limits"))
    clock = Clock(1_800_000_000.0)
    limiter = FixedWindowLimiter(counted, clock=clock)  # type: ignore[arg-type]
    for i in range(500):  # other sources' slots fill the collection: the cost must not grow with it
        await limiter.hit(f"source-{i}", 5, 600)
    counted.calls.clear()
    answers = [await limiter.hit("desk-1", 50, 600) for _ in range(60)]
    assert [a.allowed for a in answers] == [True] * 50 + [False] * 10
    assert counted.calls == Counter({"insert_one": 50})  # one insert per counted hit, refusals from memory
    assert "count_documents" not in counted.calls

    # another replica meeting the busy key for the first time: binary search by _id, then one insert
    other = Counted(mongo.collection("rate_limits"))
    fresh = FixedWindowLimiter(other, clock=clock)  # type: ignore[arg-type]
    assert not (await fresh.hit("desk-1", 50, 600)).allowed
    assert other.calls["insert_one"] == 1 and other.calls["find_one"] <= 6  # ⌈log2 50⌉
    assert all(set(f) == {"_id"} for f in other.filters)
    assert (await fresh.hit("desk-1", 80, 600)).count == 51  # a larger budget continues after the taken prefix

    clock.now += 601  # next window: a fresh budget; the previous window's slots are purged
    assert (await limiter.hit("desk-1", 50, 600)).allowed
    assert await limiter.purge_expired() == 500 + 51
    assert await counted.count_documents({}) == 1


async def test_the_lookup_the_limiter_uses_is_an_id_lookup_for_the_engine(mongo: Mongo) -> None:
    collection = mongo.collection("rate_limits")
    limiter = FixedWindowLimiter(collection)
    for i in range(50):
        await limiter.hit(f"source-{i}", 3, 600)
    key = FixedWindowLimiter.window_key("source-1", 600, 0)
    plan = await mongo.db.command("explain", {"find": "rate_limits", "filter": FixedWindowLimiter.slot_filter(key, 1)})
    if "filterPushdown" in plan:  # FerretDB: only _id equality is pushed down to SQLite
        assert plan["filterPushdown"] is True and "USING INDEX" in str(plan["queryPlanner"])
    else:  # MongoDB 7
        assert any(stage in str(plan["queryPlanner"]["winningPlan"]) for stage in ("IDHACK", "EXPRESS", "IXSCAN"))


async def test_concurrent_requests_of_one_process_each_insert_once(mongo: Mongo) -> None:
    counted = Counted(mongo.collection("rate_limits"))
    limiter = FixedWindowLimiter(counted, clock=Clock(1_800_000_000.0))  # type: ignore[arg-type]
    await limiter.hit("desk-1", 1000, 600)
    counted.calls.clear()
    decisions = await asyncio.gather(*(limiter.hit("desk-1", 1000, 600) for _ in range(32)))
    assert sorted(d.count for d in decisions) == list(range(2, 34))
    assert counted.calls == Counter({"insert_one": 32})  # each its own slot: no insert lost to a sibling


async def test_a_source_over_its_limit_is_known_from_memory(mongo: Mongo) -> None:
    counted = Counted(mongo.collection("rate_limits"))
    clock = Clock(1_800_000_010.0)
    limiter = FixedWindowLimiter(counted, clock=clock)  # type: ignore[arg-type]
    assert limiter.exhausted("desk-1", 3, 60) is None  # nothing known yet: the hit decides
    for _ in range(3):
        assert (await limiter.hit("desk-1", 3, 60)).allowed
    counted.calls.clear()
    refused = limiter.exhausted("desk-1", 3, 60)  # this process took the last slot: the next hit is refused
    assert refused is not None and not refused.allowed and refused.retry_after_seconds == 50
    assert not counted.calls  # no database operation
    assert not (await limiter.hit("desk-1", 3, 60)).allowed  # the hit agrees
    assert limiter.exhausted("desk-2", 3, 60) is None  # another source
    clock.now += 60  # the next window
    assert limiter.exhausted("desk-1", 3, 60) is None
