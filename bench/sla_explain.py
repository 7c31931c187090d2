"""``explain`` and cost of the SLA monitor's hot queries, before (a due scan per second) and after
(the in-memory schedule), on the engine at ``MONGO_URL``. Prints a Markdown table for docs/data-path.md.

    .venv/bin/python bench/sla_explain.py        (BENCH_STORED=10000 stored timers by default)
"""

from __future__ import annotations

import asyncio
import os
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from pm_common.mongo import Mongo

MONGO = os.environ.get("MONGO_URL", "mongodb://127.0.0.1:27017")
STORED = int(os.environ.get("BENCH_STORED", "10000"))
PENDING = STORED // 10  # one in ten stored timers still armed


def plan(explained: dict[str, Any]) -> str:
    if "filterPushdown" in explained:  # FerretDB
        steps = "; ".join(explained.get("queryPlanner", {}).get("Plan", []))
        return f"pushdown={explained['filterPushdown']} ({steps})"
    winning = explained.get("queryPlanner", {}).get("winningPlan", {})
    stages = []
    while winning:
        stages.append(winning.get("stage", "?"))
        winning = winning.get("inputStage") or {}
    return " ← ".join(stages) or "?"


async def timed(op: Any, n: int = 20) -> float:
    start = time.perf_counter()
    for i in range(n):
        await op(i)
    return (time.perf_counter() - start) / n * 1000


async def main() -> None:
    mongo = Mongo(MONGO, f"explain_sla_{uuid.uuid4().hex[:8]}", timeout_ms=30000)
    db = mongo.db
    now = datetime.now(UTC)
    old = [
        {"_id": f"T-{i}", "complaint_id": f"c{i}", "estate_id": "SUNNY", "due_at": now + timedelta(hours=1)}
        | {"next_at": now + timedelta(hours=1), "level": 0, "state": "armed" if i < PENDING else "stopped"}
        for i in range(STORED)
    ]
    await db.timers_old.insert_many(old)
    await db.timers.insert_many([{k: d[k] for k in ("_id", "complaint_id", "estate_id", "due_at")} for d in old])
    await db.armed.insert_many(
        [{"_id": f"T-{i}", "p": i % 6, "c": f"c{i}", "e": "SUNNY", "d": now} for i in range(PENDING)]
    )
    await db.timer_stops.insert_many([{"_id": f"T-{i}", "reason": "completed"} for i in range(PENDING, STORED)])
    rows: list[tuple[str, str, str, float]] = []

    async def row(when: str, what: str, command: dict[str, Any] | None, op: Any, none: str = "insert only") -> None:
        explained = plan(await db.command("explain", command)) if command else none
        rows.append((when, what, explained, await timed(op)))

    due = {"state": "armed", "next_at": {"$lte": now}}
    await row(
        "before, every second",
        "due scan `timers.find({state: armed, next_at: {$lte: now}}).limit(100)`",
        {"find": "timers_old", "filter": due, "limit": 100},
        lambda i: db.timers_old.find(due).limit(100).to_list(None),
    )
    await row(
        "before, per escalation",
        "`timers.update_one({_id, state, level}, …outbox)`",
        {
            "update": "timers_old",
            "updates": [{"q": {"_id": "T-1", "state": "armed", "level": 0}, "u": {"$set": {"x": 1}}}],
        },
        lambda i: db.timers_old.update_one({"_id": f"T-{i}", "state": "armed", "level": 9}, {"$set": {"x": 1}}),
    )
    await row(
        "before, relay poll",
        "`timers.find({outbox_pending: {$gt: 0}})`",
        {"find": "timers_old", "filter": {"outbox_pending": {"$gt": 0}}},
        lambda i: db.timers_old.find({"outbox_pending": {"$gt": 0}}).limit(200).to_list(None),
    )
    await row(
        "after, per tick",
        "nothing: the schedule is in memory",
        None,
        lambda i: asyncio.sleep(0),
        "—",
    )
    await row(
        "after, arm / fire check",
        "`timer_stops.find_one({_id})`",
        {"find": "timer_stops", "filter": {"_id": "T-1"}},
        lambda i: db.timer_stops.find_one({"_id": f"T-{i}"}),
    )
    await row(
        "after, arm",
        "`armed.insert_one` (and `timers.insert_one`)",
        None,
        lambda i: db.armed.insert_one({"_id": f"N-{i}", "p": 0}),
    )
    await row(
        "after, stop",
        "`armed.delete_one({_id})` (O(pending) scan on FerretDB)",
        {"delete": "armed", "deletes": [{"q": {"_id": "T-1"}, "limit": 1}]},
        lambda i: db.armed.delete_one({"_id": f"T-{i}"}),
    )
    await row(
        "after, fire (per batch)",
        "`firings.insert_many([{_id: task:level}…])` (500 claims)",
        None,
        lambda i: db.firings.insert_many([{"_id": f"T-{i}-{j}:1", "b": "x"} for j in range(500)], ordered=False),
    )
    await row(
        "after, start-up / assignment",
        "`armed.find({p: {$in: owned}})` (O(pending))",
        {"find": "armed", "filter": {"p": {"$in": [0, 1, 2]}}},
        lambda i: db.armed.find({"p": {"$in": [0, 1, 2]}}).to_list(None),
    )
    print(f"engine {MONGO}: {STORED:,} stored timers, {PENDING:,} armed\n")
    print("| when | query | explain | ms per call |")
    print("|---|---|---|---|")
    for when, what, explained, ms in rows:
        print(f"| {when} | {what} | {explained} | {ms:.1f} |")
    await mongo.drop_database()
    mongo.close()


if __name__ == "__main__":
    asyncio.run(main())
