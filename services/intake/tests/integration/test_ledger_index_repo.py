"""The ledger index on the real engine: appends from two writers (two clients, as two processes
would be) all land; searches equal a brute-force pass over the stored items through registrations,
status changes, redelivered events, compactions and a cold start."""

from __future__ import annotations

import asyncio
import random
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from pm_common.events import new_event
from pm_common.events.payloads import ComplaintTriaged, Deadlines, TaskAssigned, TaskCompleted
from pm_common.index_log import IndexLog, slot_id
from pm_common.mongo import Mongo
from pm_common.testing.fixtures import Engines
from pm_intake.adapters.ledger_index import INDEX
from pm_intake.adapters.repository import MongoComplaintRepository
from pm_intake.domain.channels import Submitter
from pm_intake.domain.ledger import LedgerQuery, matches
from pm_intake.domain.ledger_index import content_of, row_of
from pm_intake.domain.model import Registration
from pm_intake.service_layer import handlers
from pm_intake.service_layer.policy import IntakePolicy

pytestmark = pytest.mark.integration
POLICY = IntakePolicy(owner_secret="s" * 32)
DESK = handlers.Filer("desk-1", "staff:desk-1", Submitter(False))
TEXTS = [
    "地下车库B区漏水",
    "3号楼电梯困人",
    "垃圾没有及时清运",
    "保安夜班睡觉",
    "楼道灯不亮，漏水严重",
    "物业费发票开错了",
]


async def test_two_writers_append_to_one_log_and_no_entry_is_lost(engines: Engines, mongo: Mongo) -> None:
    other = Mongo(engines.mongo_url, mongo.db.name)  # its own connections and its own per-process locks
    try:
        a, b = IndexLog(mongo.collection(INDEX)), IndexLog(other.collection(INDEX))
        await asyncio.gather(
            *(a.append("r|SUNNY|2026", [f"a{i}"]) for i in range(60)),
            *(b.append("r|SUNNY|2026", [f"b{i}"]) for i in range(60)),
        )
        slots = await IndexLog(mongo.collection(INDEX)).tail("r|SUNNY|2026", 0)
        assert [n for n, _ in slots] == list(range(1, len(slots) + 1))  # dense
        assert sorted(e for _, entries in slots for e in entries) == sorted(
            [f"a{i}" for i in range(60)] + [f"b{i}" for i in range(60)]
        )  # every entry exactly once
        assert len(slots) <= 8  # each process's concurrent appends rode together (group commit)
        assert await IndexLog(mongo.collection(INDEX)).head("r|SUNNY|2026") == len(slots)  # found by _id probes
        assert await mongo.collection(INDEX).find_one({"_id": slot_id("r|SUNNY|2026", len(slots) + 1)}) is None
    finally:
        other.close()


def _event(payload: Any, cid: str, at: datetime) -> Any:
    return new_event(payload, source="test", estate_id="SUNNY", now=at)


async def _brute_force(mongo: Mongo, query: LedgerQuery) -> list[str]:
    docs = [d async for d in mongo.collection("complaints").find({})]
    found = [d for d in docs if matches(row_of(d), query, content_of(d))]
    return [d["_id"] for d in sorted(found, key=lambda d: row_of(d).sort_key())]


async def _all_pages(repo: MongoComplaintRepository, query: LedgerQuery) -> tuple[list[str], int]:
    ids: list[str] = []
    page = await repo.search(query)
    total = page.total
    ids += [d["_id"] for d in page.docs]
    while page.next_cursor:
        page = await repo.search(query.model_copy(update={"cursor": page.next_cursor}))
        ids += [d["_id"] for d in page.docs]
    return ids, total


async def test_search_equals_brute_force_through_changes_redeliveries_and_compactions(
    engines: Engines, mongo: Mongo
) -> None:
    rng = random.Random(3)
    repo = MongoComplaintRepository(mongo)
    repo.index.log.compact_every = 6  # snapshots and tails both in play
    await repo.upsert_estate({"_id": "SUNNY", "timezone": "Asia/Shanghai"})
    await repo.upsert_estate({"_id": "JADE", "timezone": "Asia/Shanghai"})
    start = datetime(2026, 3, 1, tzinfo=UTC)
    ids = []
    for i in range(30):
        reg = Registration(
            estate_id=rng.choice(["SUNNY", "JADE"]),
            channel=rng.choice(["app", "wechat", "fax"]),
            content=rng.choice(TEXTS) + f"（{i}）",
            channel_details={"wechat_source": "mini_program", "document_ref": f"D-{i}"},
        )
        at = start + timedelta(days=i * 12)  # crosses into 2027: two partitions
        ack = await handlers.register(reg, DESK, repo, POLICY, at)
        ids.append((ack.complaint_id, reg.estate_id, at))
    now = datetime.now(UTC)
    for cid, estate, at in ids[::2]:
        triaged = ComplaintTriaged(
            complaint_id=cid,
            estate_id=estate,
            decision="accepted",
            category=rng.choice(["engineering", "cleaning_greening"]),
            urgency="general",
            scope="unit",
            confidence=0.9,
            deadlines=Deadlines(dispatch_by=now, resolve_by=now),
            triaged_at=now,
        )
        envelope = _event(triaged, cid, at + timedelta(minutes=5))
        for _ in range(2):  # delivered twice
            await handlers.on_downstream_event(envelope, triaged, repo)
    for cid, estate, at in ids[::4]:
        assigned = TaskAssigned(
            task_id=f"t-{cid}",
            complaint_id=cid,
            estate_id=estate,
            department="engineering",
            handler_id=rng.choice(["eng-1", "eng-2"]),
            category="engineering",
            urgency="general",
            due_at=now,
            assigned_at=now,
        )
        await handlers.on_downstream_event(_event(assigned, cid, at + timedelta(hours=1)), assigned, repo)
    for cid, estate, at in ids[::8]:
        done = TaskCompleted(
            task_id=f"t-{cid}", complaint_id=cid, estate_id=estate, result_summary="已修好", completed_at=now
        )
        envelope = _event(done, cid, at + timedelta(hours=5))
        await handlers.on_downstream_event(envelope, done, repo)
        await handlers.on_downstream_event(envelope, done, repo)
    queries = [
        LedgerQuery(page_size=7),
        LedgerQuery(estates=("SUNNY",), page_size=3),
        LedgerQuery(status="triaged"),
        LedgerQuery(status="in_progress", handler="eng-1"),
        LedgerQuery(status="done"),
        LedgerQuery(category="engineering", estates=("JADE",)),
        LedgerQuery(department="engineering", status="received"),
        LedgerQuery(channel="fax", date_from=start + timedelta(days=60), date_to=start + timedelta(days=300)),
        LedgerQuery(text="漏水", page_size=4),
        LedgerQuery(text="电梯困人"),
        LedgerQuery(text="水", estates=("SUNNY",)),
        LedgerQuery(text="发票 开错"),
        LedgerQuery(text="没有这句话"),
    ]
    fresh = MongoComplaintRepository(mongo)  # another process starting cold: snapshots plus tails
    for query in queries:
        expected = await _brute_force(mongo, query)
        for reader in (repo, fresh):
            found, total = await _all_pages(reader, query)
            assert found == expected, query
            assert total >= len(expected) and (total == len(expected) or query.text), query
    await repo.index.settle()
    snapshots = await mongo.collection(INDEX).find_one({"_id": f"r|SUNNY|{start.year}"})
    assert snapshots is not None and snapshots["upto"] >= 6  # compaction ran

    await mongo.collection(INDEX).drop()  # e.g. data from before the index existed: one rebuild pass
    assert await MongoComplaintRepository(mongo).rebuild_index() == 30
    rebuilt = MongoComplaintRepository(mongo)
    for query in (queries[0], queries[3], queries[8], queries[11]):
        assert (await _all_pages(rebuilt, query))[0] == await _brute_force(mongo, query), query
