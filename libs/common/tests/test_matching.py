"""The by-_id condition evaluator (pure) and the collection wrapper using it on the real engine."""

from __future__ import annotations

import pytest

from pm_common.matching import Unsupported, matches, split_by_id
from pm_common.mongo import Mongo, with_outbox

DOC = {"_id": "a", "status": "open", "level": 2, "tags": ["x", "y"], "sub": {"k": 1}, "none": None}


@pytest.mark.unit
@pytest.mark.parametrize(
    ("conditions", "expected"),
    [
        ({"status": "open"}, True),
        ({"status": "done"}, False),
        ({"status": {"$nin": ["done", "withdrawn"]}}, True),
        ({"status": {"$in": ["done"]}}, False),
        ({"status": {"$ne": "open"}}, False),
        ({"level": {"$gte": 2, "$lt": 3}}, True),
        ({"level": {"$gt": 2}}, False),
        ({"tags": "y"}, True),  # array contains
        ({"sub.k": 1}, True),
        ({"sub.z": None}, True),  # null matches missing
        ({"none": None}, True),
        ({"missing": {"$exists": False}}, True),
        ({"sub": {"$exists": True}, "status": "open"}, True),
        ({"level": {"$lt": "text"}}, False),  # incomparable types never match
        ({"level": 2, "status": "done"}, False),
    ],
)
def test_conditions(conditions: dict[str, object], expected: bool) -> None:
    assert matches(DOC, conditions) is expected


@pytest.mark.unit
def test_unsupported_operators_are_refused_not_guessed() -> None:
    with pytest.raises(Unsupported):
        matches(DOC, {"status": {"$regex": "^o"}})
    with pytest.raises(Unsupported):
        matches(DOC, {"$or": [{"status": "open"}]})
    assert split_by_id({"_id": "a"}) is None  # plain by-id filters go to the engine as they are
    assert split_by_id({"_id": {"$in": ["a"]}, "s": 1}) is None
    assert split_by_id({"_id": "a", "s": 1}) == ("a", {"s": 1})


@pytest.mark.integration
async def test_conditional_writes_keep_their_meaning(mongo: Mongo) -> None:
    coll = mongo.collection("tasks")
    await coll.insert_one({"_id": "t1", "status": "assigned", "n": 0})
    miss = await coll.update_one({"_id": "t1", "status": {"$in": ["done"]}}, {"$set": {"n": 1}})
    assert (miss.matched_count, miss.modified_count) == (0, 0)
    hit = await coll.update_one({"_id": "t1", "status": {"$nin": ["done"]}}, {"$set": {"status": "done"}})
    assert hit.matched_count == 1
    assert await coll.find_one({"_id": "t1", "status": "assigned"}) is None
    assert (await coll.find_one({"_id": "t1", "status": "done"}, {"n": 1})) == {"_id": "t1", "n": 0}
    assert await coll.find_one_and_update({"_id": "t1", "status": "assigned"}, {"$set": {"n": 5}}) is None
    # a refused conditional write with outbox entries leaves no pointer behind
    from datetime import UTC, datetime

    from pm_common.events import new_event
    from pm_common.events.payloads import ComplaintWithdrawn

    payload = ComplaintWithdrawn(complaint_id="t1", reference_no="E1-1", estate_id="E1", withdrawn_at=datetime.now(UTC))
    event = new_event(payload, source="t", subject="t1", estate_id="E1")
    refused = await coll.update_one(
        {"_id": "t1", "status": "assigned"}, with_outbox({"$set": {"n": 9}}, ("complaint.withdrawn", event))
    )
    assert refused.matched_count == 0 and await mongo.db["outbox_pending"].count_documents({}) == 0
    assert (await coll.delete_one({"_id": "t1", "status": "assigned"})).deleted_count == 0
    assert (await coll.delete_one({"_id": "t1", "status": "done"})).deleted_count == 1
    assert await coll.find_one({"_id": "t1"}) is None
    # operators the evaluator does not know still work (the engine evaluates them)
    await coll.insert_one({"_id": "t2", "status": "open"})
    assert (await coll.update_one({"_id": "t2", "status": {"$regex": "^op"}}, {"$set": {"n": 1}})).matched_count == 1
