"""A partition's snapshot is rewritten whole at each compaction, so compactions run every 1/8 of its
size (``IndexLog.interval``), not every ``compact_every`` slots: at 100k items a snapshot is
0.5–3 MB and a fixed interval of 64 slots rewrote ~50 KB per registration (the write path grew with
what is stored). Every item is still found, also by a process that starts cold."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from pm_common.index_log import TAIL_SHARE
from pm_common.mongo import Mongo
from pm_common.testing.commands import Commands
from pm_intake.adapters.repository import MongoComplaintRepository
from pm_intake.domain.channels import Submitter
from pm_intake.domain.ledger import LedgerQuery
from pm_intake.domain.model import Registration
from pm_intake.service_layer import handlers
from pm_intake.service_layer.policy import IntakePolicy

pytestmark = pytest.mark.integration
POLICY = IntakePolicy(owner_secret="s" * 32)
DESK = handlers.Filer("desk-1", "staff:desk-1", Submitter(False))
ROWS = "r|SUNNY|2026"


async def test_compactions_get_rarer_as_the_partition_grows_and_every_item_is_still_found(
    watched: tuple[Mongo, Commands],
) -> None:
    client, commands = watched
    repo = MongoComplaintRepository(client)
    repo.index.log.compact_every = 2
    await repo.upsert_estate({"_id": "SUNNY", "timezone": "Asia/Shanghai"})
    start = datetime(2026, 3, 1, tzinfo=UTC)
    ids = []
    for i in range(120):
        reg = Registration(estate_id="SUNNY", channel="app", content=f"{i}号楼电梯按钮失灵第{i}次")
        ack = await handlers.register(reg, DESK, repo, POLICY, start + timedelta(minutes=i))
        ids.append(ack.complaint_id)
    await repo.index.settle()
    rewrites = sum(1 for name, _, f in commands.seen if name == "update" and (f or {}).get("_id") == ROWS)
    assert repo.index.log.interval(ROWS) >= 100 // TAIL_SHARE > 2  # grown with the partition
    assert rewrites <= 120 // 2 // 2, rewrites  # at a fixed interval of 2 slots: ~60 rewrites of the snapshot

    cold = MongoComplaintRepository(client)  # another process, nothing cached
    listed, cursor = [], None
    while True:
        page = await cold.search(LedgerQuery(estates=("SUNNY",), page_size=100, cursor=cursor))
        listed += [doc["_id"] for doc in page.docs]
        if not (cursor := page.next_cursor):
            break
    assert sorted(listed) == sorted(ids) and page.total == 120
    found = await cold.search(LedgerQuery(estates=("SUNNY",), text="第119次"))
    assert [doc["_id"] for doc in found.docs] == [ids[119]]
