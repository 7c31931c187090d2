"""Round trips of the ledger index on the real engine: a log keeps the slots its process wrote, so
reading a tail fetches only other writers' slots (and still sees them all), and a text compaction
reuses the shards this process wrote at its previous one instead of reading all of them again."""

from __future__ import annotations

import re
import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pymongo import monitoring

from pm_common.index_log import IndexLog
from pm_common.mongo import Mongo
from pm_common.testing import unique_name
from pm_common.testing.fixtures import Engines
from pm_intake.adapters.ledger_index import INDEX, LedgerIndex
from pm_intake.domain.ledger_index import TEXT_SHARDS

pytestmark = pytest.mark.integration
SHARD = re.compile(r"^t\|.*\|\d{3}$")


class Finds(monitoring.CommandListener):
    """The ``_id`` of every ``find`` sent."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.ids: list[str] = []

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        if event.command_name == "find":
            doc_id = (event.command.get("filter") or {}).get("_id")
            with self.lock:
                self.ids.append(str(doc_id))

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        pass

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        pass


@pytest.fixture
async def counted(engines: Engines) -> Any:
    finds = Finds()
    mongo = Mongo(engines.mongo_url, unique_name("test_"), event_listeners=(finds,))
    yield mongo, finds
    await mongo.drop_database()
    mongo.close()


async def test_a_tail_fetches_only_other_writers_slots_and_sees_them_all(counted: Any, engines: Engines) -> None:
    mongo, finds = counted
    other = Mongo(engines.mongo_url, mongo.db.name)  # another process: its own client
    try:
        mine, theirs = IndexLog(mongo.collection(INDEX), keep_own=True), IndexLog(other.collection(INDEX))
        for i in range(12):
            await (mine if i % 3 else theirs).append("r|SUNNY|2026", [f"e{i}"])
        finds.ids.clear()
        slots = await mine.tail("r|SUNNY|2026", 0)
        assert [e for _, entries in slots for e in entries] == [f"e{i}" for i in range(12)]
        fetched = sorted(int(i.rsplit("#", 1)[1]) for i in finds.ids)
        assert fetched == [1, 4, 7, 10, 13], fetched  # the other writer's slots, and the probe past the head
        fresh = await IndexLog(mongo.collection(INDEX)).tail("r|SUNNY|2026", 0)
        assert fresh == slots
    finally:
        other.close()


async def test_a_text_compaction_reuses_the_shards_it_wrote_last(counted: Any) -> None:
    mongo, finds = counted
    index = LedgerIndex(mongo, compact_every=4)
    start = datetime(2026, 5, 1, tzinfo=UTC)

    def item(i: int) -> dict[str, Any]:
        return {
            "_id": f"{i:032x}",
            "estate_id": "SUNNY",
            "status": "registered",
            "channel": "phone",
            "received_at": start + timedelta(minutes=i),
            "registration": {"content": f"{i}号楼漏水，电梯困人，楼道灯不亮{i * 7}"},
        }

    shard_reads: list[int] = []
    for batch in range(3):
        finds.ids.clear()
        for i in range(batch * 4, batch * 4 + 4):
            await index.record(None, item(i))
            await index.settle()
        shard_reads.append(sum(1 for i in finds.ids if SHARD.match(i)))
    # the first compaction read every shard; the next ones reuse what it wrote (the marker still matches)
    assert shard_reads[0] >= TEXT_SHARDS and shard_reads[1:] == [0, 0], shard_reads
    # and what they wrote is what a fresh reader finds
    cold = LedgerIndex(mongo, compact_every=4)
    found = await cold.postings("t|SUNNY|2026", {"漏", "电梯"})
    expected = {f"{i:032x}"[:12] for i in range(12)}
    assert found["漏"] == expected and found["电梯"] == expected
