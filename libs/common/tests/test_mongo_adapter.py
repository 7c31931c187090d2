"""The Mongo adapter on the real document DB: no lost updates, idempotent index creation."""

from __future__ import annotations

import asyncio

import pytest

from pm_common.mongo import IndexModel, KeyedLocks, Mongo

pytestmark = pytest.mark.integration


async def test_concurrent_updates_of_one_document_are_all_kept(mongo: Mongo) -> None:
    coll = mongo.collection("docs")
    await coll.insert_one({"_id": "d1", "items": [], "n": 0, "outbox": {f"e{i}": {"x": i} for i in range(20)}})

    async def push(i: int) -> None:
        await coll.update_one({"_id": "d1"}, {"$push": {"items": i}, "$inc": {"n": 1}})

    async def unset(i: int) -> None:  # what the outbox relay does while consumers update the same document
        await coll.update_one({"_id": "d1", f"outbox.e{i}": {"$exists": True}}, {"$unset": {f"outbox.e{i}": ""}})

    await asyncio.gather(*(push(i) for i in range(60)), *(unset(i) for i in range(20)))
    doc = await coll.find_one({"_id": "d1"})
    assert doc["n"] == 60 and sorted(doc["items"]) == list(range(60)) and doc["outbox"] == {}
    assert len(mongo._locks) == 0  # locks are released


async def test_create_indexes_twice_is_harmless(mongo: Mongo) -> None:
    coll = mongo.collection("docs")
    models = [IndexModel([("a", 1)]), IndexModel([("b", 1)], unique=True), IndexModel([("c", 1)])]
    assert sorted(await coll.create_indexes(models)) == ["a_1", "b_1", "c_1"]
    assert await coll.create_indexes(models) == []
    assert {"a_1", "b_1", "c_1"} <= set(await coll.index_information())


async def test_keyed_locks_serialise_per_key_only() -> None:
    locks = KeyedLocks()
    order: list[str] = []

    async def work(key: str, tag: str, delay: float) -> None:
        async with locks.hold(key):
            order.append(f"start {tag}")
            await asyncio.sleep(delay)
            order.append(f"end {tag}")

    await asyncio.gather(work("a", "a1", 0.05), work("a", "a2", 0), work("b", "b1", 0))
    assert order.index("end a1") < order.index("start a2")
    assert order.index("start b1") < order.index("end a1")
