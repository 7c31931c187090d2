"""The repository contract against the real database (FerretDB locally, MongoDB 7 in CI), plus
what only the real one has: the outbox entries of the same single-document write, and the ledger
index written after each save."""

from __future__ import annotations

import pytest
from repo_contract import SUITE, new_task

from pm_common.mongo import Mongo
from pm_dispatch.adapters.repository import MongoTaskRepository

pytestmark = pytest.mark.integration


@pytest.mark.parametrize("case", SUITE, ids=[c.__name__ for c in SUITE])
async def test_contract(case, mongo: Mongo) -> None:  # type: ignore[no-untyped-def]
    repo = MongoTaskRepository(mongo)

    async def events(task_id: str) -> list[str]:
        doc = await repo.raw(task_id)
        entries = sorted((doc or {}).get("outbox", {}).values(), key=lambda e: e["seq"])
        return [e["topic"] for e in entries]

    await case(repo, events)


async def test_ledger_rows_follow_the_saves(mongo: Mongo) -> None:
    repo = MongoTaskRepository(mongo)
    task = new_task()
    await repo.add(task)
    other = MongoTaskRepository(mongo)  # another process's view: reads the log by _id only
    rows = await other.ledger.rows(("SUNNY",))
    assert [(r.id, r.status, r.handler) for r in rows] == [("T-c1", "assigned", "h-1")]
    from dispatch_fakes import NOW

    from pm_dispatch.domain import actions

    actions.accept(task, "h-1", NOW)
    assert await repo.save(task)
    assert [(r.status, r.rev) for r in await other.ledger.rows(("*",))] == [("accepted", 1)]
    assert await other.ledger.open_counts(["h-1", "h-2"]) == {"h-1": 1, "h-2": 0}
