"""Mongo state of the stage clocks (source of truth), shaped for FerretDB 1.24 as much as MongoDB 7.

- ``item_facts``     the lifecycle facts of each item, insert-only: ``_id`` = ``<item>|<n>`` for n = 1, 2, …
                     (read back by ``_id``; inserting ``n`` is the optimistic-concurrency step, so two
                     instances appending to one item never lose a fact)
- ``armed``          one document per running or paused clock (``_id`` = ``<item id>|<stage>``): the
                     deadlines; replaced on change, deleted when the clock stops. O(pending): the
                     start-up / assignment load and the console's "overdue / due soon" scan only this
- ``clock_results``  one per stopped clock and generation (met / late / void), insert-only: compliance
- ``clock_changes``  a mailbox: a clock changed by an instance that does not own its partition; the
                     owner applies and deletes it (O(changes in flight))
"""

from __future__ import annotations

import asyncio
import itertools
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

from pm_common.lru import Lru
from pm_common.mongo import DuplicateKeyError, IndexModel, Mongo, insert_once
from pm_sla_monitor.domain.clocks import Clock
from pm_sla_monitor.domain.lifecycle import Fact

FACTS = "item_facts"
ARMED = "armed"
RESULTS = "clock_results"
CHANGES = "clock_changes"
_MAX_FACTS = 500
_PROBE = 4  # fact slots read at once (most items have a handful of facts)


class MongoClockStore:
    def __init__(self, mongo: Mongo, cache_items: int = 5_000) -> None:
        self._cached: Lru[str, list[Fact]] = Lru(cache_items)  # insert-only facts: never stale
        self.facts = mongo.collection(FACTS)
        self.armed = mongo.collection(ARMED)
        self.results = mongo.collection(RESULTS)
        self.changes = mongo.collection(CHANGES)

    @staticmethod
    async def create_indexes(mongo: Mongo) -> None:
        # MongoDB 7 uses them (FerretDB keeps them but scans): the load by partition, console queries.
        await mongo.collection(ARMED).create_indexes([IndexModel([("p", 1)]), IndexModel([("e", 1), ("d", 1)])])
        await mongo.collection(RESULTS).create_indexes([IndexModel([("e", 1), ("stopped_at", 1)])])
        await mongo.collection(CHANGES).create_indexes([IndexModel([("p", 1)])])

    # -- facts ----------------------------------------------------------------------------------
    async def read_facts(self, item: str, known: list[Fact] | None = None) -> list[Fact]:
        """Every fact of ``item``, read by ``_id`` (``<item>|1``, ``|2``, …). Facts are insert-only
        slots, so what this process read or wrote before (``known``, else its cache) is still true:
        only the slots after it are read — first the next one alone (usually absent: one read), then
        rounds of ``_PROBE`` concurrent reads while slots keep turning up."""
        found: list[Fact] = list(known if known is not None else self._cached.get(item) or ())
        probe = 1 if found else _PROBE
        while len(found) < _MAX_FACTS:
            start = len(found) + 1
            slots = range(start, min(start + probe, _MAX_FACTS + 1))
            docs = await asyncio.gather(*(self.facts.find_one({"_id": f"{item}|{n}"}) for n in slots))
            probe = _PROBE
            present = list(itertools.takewhile(lambda doc: doc is not None, docs))
            found += [doc["f"] for doc in present]
            if len(present) < len(docs):  # a missing slot ends the item's facts
                break
        self._remember(item, found)
        return found

    def _remember(self, item: str, facts: list[Fact]) -> None:
        """Keep the item's facts for its next event (least recently used items go first)."""
        if facts:
            self._cached.put(item, list(facts))

    async def append(self, item: str, fact: Fact, known: list[Fact] | None = None) -> list[Fact]:
        """Add ``fact`` to the item once (by event id); returns every fact of the item. ``known``:
        the item's facts as just read (saves reading them again)."""
        facts = known if known is not None else await self.read_facts(item)
        while True:
            if any(f["id"] == fact["id"] for f in facts):
                return facts
            try:
                await self.facts.insert_one({"_id": f"{item}|{len(facts) + 1}", "f": fact})
                facts = [*facts, fact]
                self._remember(item, facts)
                return facts
            except DuplicateKeyError:
                facts = await self.read_facts(item, facts)  # another writer took that slot: read on

    async def seed_facts(self, docs: list[dict[str, Any]]) -> None:
        """Bulk path (benchmarks, seeding): ``{"_id": "<item>|1", "f": fact}`` documents."""
        if docs:
            await self.facts.insert_many(docs, ordered=False)

    # -- armed clocks -------------------------------------------------------------------------
    async def put(self, clock: Clock, partition: int) -> None:
        doc = to_doc(clock, partition)
        await self.armed.replace_one({"_id": doc["_id"]}, doc, upsert=True)

    async def drop(self, key: str) -> None:
        await self.armed.delete_one({"_id": key})

    async def get(self, key: str) -> dict[str, Any] | None:
        return await self.armed.find_one({"_id": key})

    async def get_clock(self, key: str) -> Clock | None:
        doc = await self.get(key)
        return from_doc(doc) if doc else None

    async def bulk_put(self, clocks: list[tuple[Clock, int]]) -> None:
        """The documented bulk path (seeding, benchmarks): armed clocks in one ``insert_many``."""
        if clocks:
            await self.armed.insert_many([to_doc(c, p) for c, p in clocks], ordered=False)

    async def load(self, partitions: set[int], batch_size: int = 1000) -> AsyncIterator[tuple[Clock, int]]:
        """Every running clock of ``partitions``: one scan of the armed clocks (O(pending))."""
        cursor = self.armed.find({"p": {"$in": sorted(partitions)}}, batch_size=batch_size)
        async for doc in cursor:
            if doc.get("state", "running") == "running":
                yield from_doc(doc), doc["p"]

    async def scan(self, query: dict[str, Any]) -> list[dict[str, Any]]:
        return [doc async for doc in self.armed.find(query)]

    # -- results ----------------------------------------------------------------------------------
    async def record(self, clock: Clock) -> None:
        outcome = clock.outcome
        if outcome is None or clock.stopped_at is None:
            return
        late = max((clock.stopped_at - clock.due_at).total_seconds(), 0.0)
        await insert_once(
            self.results,
            {
                "_id": f"{clock.key}|{clock.generation}",
                "e": clock.estate_id,
                "stage": clock.stage,
                "item_id": clock.item_id,
                "complaint_id": clock.complaint_id,
                "department": clock.department,
                "person": clock.person_id,
                "due_at": clock.due_at,
                "stopped_at": clock.stopped_at,
                "reason": clock.stop_reason,
                "outcome": outcome,
                "late_seconds": late,
            },
        )

    async def results_between(
        self, estates: list[str] | None, since: datetime, until: datetime
    ) -> list[dict[str, Any]]:
        query: dict[str, Any] = {"stopped_at": {"$gte": since, "$lt": until}}
        if estates is not None:
            query["e"] = {"$in": estates}
        return [doc async for doc in self.results.find(query)]

    # -- mailbox ----------------------------------------------------------------------------------
    async def notify_owner(self, partition: int, key: str) -> None:
        await self.changes.insert_one({"_id": uuid.uuid4().hex, "p": partition, "k": key})

    async def pending_changes(self, partitions: set[int]) -> list[dict[str, Any]]:
        if not partitions:
            return []
        return [doc async for doc in self.changes.find({"p": {"$in": sorted(partitions)}})]

    async def done_change(self, change_id: str) -> None:
        await self.changes.delete_one({"_id": change_id})


def to_doc(clock: Clock, partition: int) -> dict[str, Any]:
    c = clock
    return {
        "_id": c.key,
        "p": partition,
        "item_id": c.item_id,
        "item": c.item,
        "stage": c.stage,
        "c": c.complaint_id,
        "e": c.estate_id,
        "basis": c.basis,
        "s": c.started_at,
        "d": c.due_at,
        "b": c.budget.total_seconds(),
        "g": c.generation,
        "state": c.state,
        "paused_at": c.paused_at,
        "person": c.person_id,
        "department": c.department,
        "ladder": c.ladder,
        "tz": c.timezone,
        "cause": c.cause_id,
        "corr": c.correlation_id,
    }


def from_doc(doc: dict[str, Any]) -> Clock:
    return Clock(
        doc["item_id"],
        doc["item"],
        doc["stage"],
        doc["c"],
        doc["e"],
        doc["basis"],
        _aware(doc["s"]),
        _aware(doc["d"]),
        timedelta(seconds=doc["b"]),
        doc["g"],
        doc.get("state", "running"),
        _aware(doc["paused_at"]) if doc.get("paused_at") else None,
        person_id=doc.get("person"),
        department=doc.get("department"),
        ladder=doc.get("ladder", "general"),
        timezone=doc.get("tz", "Asia/Shanghai"),
        cause_id=doc.get("cause"),
        correlation_id=doc.get("corr"),
    )


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)
