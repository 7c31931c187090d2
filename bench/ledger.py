"""First-page latency of the staff ledger at N stored items, against a raw floor.

    make bench-ledger                 (N=100000; MONGO_URL / engines as for the tests)
    BENCH_N=20000 make bench-ledger   (smaller)

Seeds ``bench_ledger_<N>`` with ``tools/seed.py``'s generator (or reuses it when it already holds
N items: delete it, or set BENCH_FRESH=1, to re-seed), then measures, in this process, the
repository's ``search`` (index reads + the page's items, the same code the API runs) for each filter
combination and text search, R times each: p50 / p99 and the ratio of p50 to the raw floor, a
single ``find_one`` by ``_id`` of one stored item, measured in the same run. ``--explain`` also
prints the engine's ``explain`` of the old and the new hot queries (see docs/data-path.md),
``--before`` times the old queries (full scans) once, ``--writes`` the write path with the index.
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))

import seed

from pm_common.mongo import Mongo, PyMongoError
from pm_intake.adapters.repository import MongoComplaintRepository
from pm_intake.config import IntakeSettings
from pm_intake.domain.ledger import LedgerQuery

URL = os.environ.get("MONGO_URL", "mongodb://127.0.0.1:27017")
N = int(os.environ.get("BENCH_N", "100000"))
R = int(os.environ.get("BENCH_R", "30"))
MINE = ("SUNNY", "JADE")  # a supervisor serving two estates


def queries(now: datetime) -> dict[str, LedgerQuery]:
    week, month = now - timedelta(days=7), now - timedelta(days=30)
    return {
        "estate": LedgerQuery(estates=("SUNNY",)),
        "my estates (2)": LedgerQuery(estates=MINE),
        "group-wide": LedgerQuery(),
        "estate + status": LedgerQuery(estates=("SUNNY",), status="in_progress"),
        "estate + status + category": LedgerQuery(estates=("SUNNY",), status="closed", category="engineering"),
        "estate + handler": LedgerQuery(estates=("JADE",), handler="jade-engineering-3"),
        "estate + department + status": LedgerQuery(estates=MINE, department="cleaning", status="done"),
        "estate + last 7 days": LedgerQuery(estates=("SUNNY",), date_from=week, date_to=now),
        "group + category + 30 days": LedgerQuery(category="fees_finance", date_from=month),
        "group + rare status (draft)": LedgerQuery(status="draft"),
        "group + channel (fax)": LedgerQuery(channel="fax"),
        "text 漏水 (estate)": LedgerQuery(estates=("SUNNY",), text="漏水"),
        "text 电梯困人 (group)": LedgerQuery(text="电梯困人"),
        "text 保安 + status (2 estates)": LedgerQuery(estates=MINE, text="保安", status="closed"),
        "text 1 char 水 (estate)": LedgerQuery(estates=("JINXIU",), text="水"),
        "text, no match (group)": LedgerQuery(text="不存在的词语"),
    }


async def timed(action: Callable[[], Awaitable[Any]], reps: int) -> tuple[float, float]:
    samples = []
    for _ in range(reps):
        start = time.perf_counter()
        await action()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return statistics.median(samples), samples[min(len(samples) - 1, int(len(samples) * 0.99))]


async def prepared(mongo: Mongo, settings: IntakeSettings) -> MongoComplaintRepository:
    repo = MongoComplaintRepository(mongo)
    meta = mongo.collection("bench_meta")
    done = await meta.find_one({"_id": "seeded"})
    if done and done.get("n") == N and os.environ.get("BENCH_FRESH") != "1":
        print(f"reusing {mongo.db.name}: {N:,} items seeded {done['at']:%Y-%m-%d %H:%M} UTC")
        return repo
    await mongo.drop_database()
    await MongoComplaintRepository.create_indexes(mongo)
    print(f"seeding {N:,} items into {mongo.db.name} (tools/seed.py bulk path)…")
    rate = await seed.seed(repo, seed.Generator(7, 365, datetime.now(UTC), settings.policy()), N)
    await meta.replace_one({"_id": "seeded"}, {"n": N, "at": datetime.now(UTC), "rate": rate}, upsert=True)
    return MongoComplaintRepository(mongo)  # a fresh process view: no cached heads


async def explain(mongo: Mongo, some_id: str) -> None:
    old_filter = {"estate_id": {"$in": list(MINE)}, "status": "in_progress"}
    plans = {
        "old ledger find (filters, sort, limit)": {
            "find": "complaints",
            "filter": old_filter,
            "sort": {"received_at": -1, "_id": 1},
            "limit": 20,
        },
        "old ledger count": {"count": "complaints", "query": old_filter},
        "old text search ($regex)": {
            "find": "complaints",
            "filter": {"registration.content": {"$regex": "漏水", "$options": "i"}},
            "limit": 20,
        },
        "old guarded update filter {_id, status}": {
            "find": "complaints",
            "filter": {"_id": some_id, "status": "in_progress"},
        },
        "new index snapshot read": {"find": "ledger_index", "filter": {"_id": "r|SUNNY|2026"}},
        "new page item read": {"find": "complaints", "filter": {"_id": some_id}},
    }
    for label, command in plans.items():
        plan = await mongo.db.command("explain", command, verbosity="queryPlanner")
        keep = {k: plan.get(k) for k in ("filterPushdown", "sortPushdown", "limitPushdown")}
        keep["queryPlanner"] = plan.get("queryPlanner")
        print(f"explain {label}: {json.dumps(keep, ensure_ascii=False, default=str)}")


async def before(mongo: Mongo) -> None:
    """The old ledger queries (the code before the index), once each: full scans at N items."""
    where = {"estate_id": {"$in": list(MINE)}, "status": "in_progress"}
    complaints = mongo.collection("complaints")
    runs = {
        "old ledger page (find+sort+limit)": lambda: (
            complaints.find(where).sort([("received_at", -1)]).limit(20).to_list(20)
        ),
        "old ledger total (count_documents)": lambda: complaints.count_documents(where),
        "old text search ($regex, limit 20)": lambda: (
            complaints.find({"registration.content": {"$regex": "漏水", "$options": "i"}}).limit(20).to_list(20)
        ),
    }
    for label, run in runs.items():
        start = time.perf_counter()
        try:
            await run()
        except PyMongoError as exc:  # the socket timeout (60 s) of this client: stop scanning the shared engine
            print(
                f"before: {label:38} > {time.perf_counter() - start:,.0f} s ({type(exc).__name__}); skipping the rest"
            )
            return
        print(f"before: {label:38} {(time.perf_counter() - start) * 1000:9,.0f} ms")


async def writes(settings: IntakeSettings, reps: int = 200) -> None:
    """The write path's price for the index: registration through the handler (item + index entries)
    vs a bare insert of the same document, in a scratch database."""
    from pm_intake.domain.channels import Submitter
    from pm_intake.domain.model import Registration
    from pm_intake.service_layer import handlers

    scratch = Mongo(URL, f"bench_ledger_writes_{os.getpid()}", timeout_ms=20000)
    try:
        repo = MongoComplaintRepository(scratch)
        await repo.upsert_estate({"_id": "SUNNY", "timezone": "Asia/Shanghai"})
        filer = handlers.Filer("desk-1", "staff:desk-1", Submitter(False))
        reg = Registration(estate_id="SUNNY", channel="app", content="3号楼2单元电梯困人，里面有老人，请马上派人")
        policy = settings.policy()
        with_index = await timed(lambda: handlers.register(reg, filer, repo, policy, datetime.now(UTC)), reps)
        doc = await repo.complaints.find_one({})
        raw = scratch.collection("raw")
        counter = iter(range(10**9))
        bare = await timed(lambda: raw.insert_one({**doc, "_id": f"raw-{next(counter)}"}), reps)
        print(
            f"write path: register (item + index) p50 {with_index[0]:.1f} ms p99 {with_index[1]:.1f} ms; "
            f"bare insert of the same document p50 {bare[0]:.1f} ms p99 {bare[1]:.1f} ms "
            f"({with_index[0] / bare[0]:.1f}× at p50)"
        )
    finally:
        await scratch.drop_database()
        scratch.close()


async def main() -> None:
    settings = IntakeSettings()
    mongo = Mongo(URL, f"bench_ledger_{N}", timeout_ms=20000)
    try:
        info = await mongo.client.admin.command("buildInfo")
        server = f"FerretDB {info['ferretdbVersion']}" if "ferretdbVersion" in info else f"MongoDB {info['version']}"
        print(f"server: {server} at {URL}; N={N:,}; R={R}; cores={os.cpu_count()}; load={os.getloadavg()[0]:.1f}")
        repo = await prepared(mongo, settings)
        some = await mongo.collection("complaints").find_one({}, {"_id": 1})
        assert some is not None
        if "--explain" in sys.argv:
            await explain(mongo, some["_id"])
        if "--before" in sys.argv:
            await before(mongo)
        if "--writes" in sys.argv:
            await writes(settings)
        floor50, floor99 = await timed(lambda: repo.complaints.find_one({"_id": some["_id"]}), max(R * 3, 100))
        print(f"raw floor: find_one by _id  p50 {floor50:.2f} ms  p99 {floor99:.2f} ms")
        print(f"{'query':34} {'total':>7} {'p50 ms':>8} {'p99 ms':>8} {'p50/floor':>9}  next page p50")
        worst = 0.0
        for label, query in queries(datetime.now(UTC)).items():
            first = await repo.search(query)  # also warms this process's view
            p50, p99 = await timed(lambda q=query: repo.search(q), R)  # type: ignore[misc]
            worst = max(worst, p99)
            nxt = ""
            if first.next_cursor:
                q2 = query.model_copy(update={"cursor": first.next_cursor})
                n50, _ = await timed(lambda q=q2: repo.search(q), max(R // 3, 5))  # type: ignore[misc]
                nxt = f"{n50:.1f} ms"
            total = f"{first.total}{'' if first.total_exact else '~'}"
            print(f"{label:34} {total:>7} {p50:8.1f} {p99:8.1f} {p50 / floor50:9.0f}×  {nxt}")
        print(f"worst first-page p99: {worst:.0f} ms (goal ≤ 500 ms at 100k)")
        print(f"load average after the run: {os.getloadavg()[0]:.1f} (2 cores shared with other agents)")
    finally:
        mongo.close()


if __name__ == "__main__":
    asyncio.run(main())
