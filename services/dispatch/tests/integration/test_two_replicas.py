"""Two dispatch replicas close the same tasks at once (one completes, one withdraws): on the local
engine as on MongoDB, exactly one of them wins per task and exactly one event is written for it."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import textwrap

import pytest

from pm_common.mongo import Mongo

pytestmark = pytest.mark.integration

N = 25
WORKER = textwrap.dedent(
    """
    import asyncio, sys
    from datetime import UTC, datetime
    from pm_common.events import TaskCancelled, TaskCompleted, new_event
    from pm_common.mongo import Mongo
    from pm_dispatch.adapters.repository import MongoTaskRepository

    async def main(url, db, mode, n):
        mongo = Mongo(url, db)
        repo = MongoTaskRepository(mongo)
        wins = 0
        for i in range(n):
            tid = f"T-{i}"
            now = datetime.now(UTC)
            if mode == "complete":
                payload = TaskCompleted(task_id=tid, complaint_id=f"c{i}", estate_id="E1",
                                        result_summary="已修复", completed_at=now)
                update = {"$set": {"status": "done", "completed_at": now}}
                wins += await repo.complete(tid, update, new_event(payload, source="t", subject=tid, estate_id="E1"))
            else:
                payload = TaskCancelled(task_id=tid, complaint_id=f"c{i}", estate_id="E1", reason="withdrawn",
                                        cancelled_at=now)
                update = {"$set": {"status": "withdrawn", "withdrawn_at": now}}
                wins += await repo.withdraw(tid, update, new_event(payload, source="t", subject=tid, estate_id="E1"))
        print(wins)
        mongo.close()

    asyncio.run(main(sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])))
    """
)


async def test_two_replicas_never_both_close_a_task(mongo: Mongo, engines) -> None:
    tasks = mongo.collection("tasks")
    for i in range(N):
        await tasks.insert_one({"_id": f"T-{i}", "status": "assigned", "version": 0})
    procs = [
        await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            WORKER,
            engines.mongo_url,
            mongo.db.name,
            mode,
            str(N),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for mode in ("complete", "withdraw")
    ]
    outputs = await asyncio.wait_for(asyncio.gather(*(p.communicate() for p in procs)), 240)
    for proc, (_, err) in zip(procs, outputs, strict=True):
        assert proc.returncode == 0, err.decode()[-3000:]
    wins = [int(out.decode().strip()) for out, _ in outputs]
    assert sum(wins) == N, f"completed + withdrawn = {wins}: a task was closed twice or not at all"
    async for task in tasks.find({}):
        entries = list((task.get("outbox") or {}).values())
        assert len(entries) == 1, f"{task['_id']}: {len(entries)} events"
        expected = "task.completed" if task["status"] == "done" else "task.cancelled"
        assert entries[0]["topic"] == expected
