"""The per-complaint subjects store (被投诉人) on the real document DB: the highest revision wins
whatever the order and concurrency, redeliveries change nothing, revision 0 naming nobody stores nothing."""

from __future__ import annotations

import asyncio
import random

import pytest

from pm_common.mongo import Mongo
from pm_common.subjects_store import COLLECTION, SubjectsStore

pytestmark = pytest.mark.integration


async def test_the_highest_revision_wins_in_any_order(mongo: Mongo) -> None:
    store = SubjectsStore(mongo.collection(COLLECTION))
    changes = [(r, (f"staff-{r}",)) for r in range(0, 8)] * 2  # each delivered twice
    random.Random(7).shuffle(changes)
    await asyncio.gather(*(store.record("c1", "SUNNY", ids, r) for r, ids in changes))
    assert await store.latest("c1") == (7, ("staff-7",))
    assert not await store.record("c1", "SUNNY", ("late",), 3)  # older, after the newest: nothing
    assert not await store.record("c1", "SUNNY", ("staff-7",), 7)  # a redelivery: nothing
    assert await store.record("c1", "SUNNY", (), 8)  # cleared
    assert await store.of("c1") == ()


async def test_nobody_named_stores_nothing_and_a_later_change_still_lands(mongo: Mongo) -> None:
    store = SubjectsStore(mongo.collection(COLLECTION))
    assert not await store.record("c2", "SUNNY", (), 0)
    assert await mongo.collection(COLLECTION).find_one({"_id": "c2"}) is None
    assert await store.record("c2", "SUNNY", ("sup-9", "sup-9"), 1)
    assert not await store.record("c2", "SUNNY", ("sec-3",), 0)  # the complaint's own list, delivered late
    assert await store.of_many(["c2", "c3", None]) == {"c2": ("sup-9",), "c3": ()}
