"""The local engine answers ``_id`` lookups from its index (the patched FerretDB build, see
deploy/local/engines.py): without it every lookup, update and delete by ``_id`` is a full scan."""

from __future__ import annotations

import pytest

from pm_common.mongo import Mongo

pytestmark = pytest.mark.integration


async def test_id_lookups_use_the_index(mongo: Mongo) -> None:
    coll = mongo.collection("docs")
    for batch in range(20):
        await coll.insert_many([{"_id": f"d{batch}-{i}", "text": "电梯坏了" * 40} for i in range(1000)])
    plan = await coll.find({"_id": "d3-7"}).explain()
    info = await mongo.client.server_info()
    if "ferretdbVersion" in info:
        assert "USING INDEX" in str(plan["queryPlanner"]["Plan"]), plan
    else:  # MongoDB: the _id index or the IDHACK stage
        assert "IXSCAN" in str(plan) or "IDHACK" in str(plan) or "EXPRESS" in str(plan), plan
    for i in range(100):  # the same index serves updates and deletes
        assert (await coll.update_one({"_id": f"d{i % 20}-{i}"}, {"$set": {"seen": True}})).matched_count == 1
