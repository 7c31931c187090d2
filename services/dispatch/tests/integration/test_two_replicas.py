"""Two dispatch replicas change the same tasks at once (one resolves, one cancels): on the local
engine as on MongoDB, exactly one of them wins per task and exactly one event is written for it."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import textwrap

import pytest

from pm_common.mongo import Mongo
from pm_dispatch.adapters.repository import MongoTaskRepository
from pm_dispatch.domain import actions
from pm_dispatch.domain.assignment import Assignee
from pm_dispatch.domain.task import Task

pytestmark = pytest.mark.integration

N = 25
WORKER = textwrap.dedent(
    """
    import asyncio, sys
    from datetime import UTC, datetime
    from pm_common.mongo import Mongo
    from pm_dispatch.adapters.repository import MongoTaskRepository
    from pm_dispatch.domain import actions, errors
    from pm_dispatch.service_layer.unit import change

    async def main(url, db, mode, n):
        mongo = Mongo(url, db)
        repo = MongoTaskRepository(mongo)
        wins = 0
        for i in range(n):
            now = datetime.now(UTC)
            def step(task):
                if mode == "resolve":
                    actions.resolve(task, "h-1", now, mode="explanation", summary="已答复", evidence=[],
                                    confirmation=None, open_subtasks=[])
                    return True
                return actions.cancel(task, "sup-1", now)
            try:
                _, won = await change(repo, f"T-{i}", step)
            except errors.IllegalTransition:
                won = False
            wins += bool(won)
        print(wins)
        mongo.close()

    asyncio.run(main(sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])))
    """
)


async def test_two_replicas_never_both_close_a_task(mongo: Mongo, engines) -> None:  # type: ignore[no-untyped-def]
    repo = MongoTaskRepository(mongo)
    who = Assignee(kind="person", department="customer_service", person_id="h-1")
    for i in range(N):
        task = Task(id=f"T-{i}", complaint_id=f"c{i}", estate_id="E1", category="customer_service", status="accepted")
        task.assignee = actions.AssigneeRecord.of(who)
        await repo.add(task)
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
        for mode in ("resolve", "cancel")
    ]
    outputs = await asyncio.wait_for(asyncio.gather(*(p.communicate() for p in procs)), 240)
    for proc, (_, err) in zip(procs, outputs, strict=True):
        assert proc.returncode == 0, err.decode()[-3000:]
    wins = [int(out.decode().strip()) for out, _ in outputs]
    assert sum(wins) == N, f"resolved + cancelled = {wins}: a task was closed twice or not at all"
    async for doc in mongo.collection("tasks").find({}):
        entries = list((doc.get("outbox") or {}).values())
        assert len(entries) == 1, f"{doc['_id']}: {len(entries)} events"
        expected = "task.resolved" if doc["status"] == "resolved" else "task.cancelled"
        assert entries[0]["topic"] == expected and doc["status"] in ("resolved", "cancelled")
