"""Intake's small stores on the real engine touch only what they are asked about: the audit trail of one
complaint and the attempts at one code are read and written by ``_id`` (the only filter FerretDB 1.24
pushes down; anything else decodes every stored document), checked on every command the driver sends
and with ``explain``; and the guarded writes of the register go through the shared wrapper."""

from __future__ import annotations

import asyncio
import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pymongo import monitoring

from pm_common.mongo import Mongo
from pm_common.testing.fixtures import Engines
from pm_intake.adapters.repository import MongoComplaintRepository
from pm_intake.adapters.stores import AUDIT, OTPS, MongoAuditLog, MongoOtpStore, create_indexes

pytestmark = pytest.mark.integration
NOW = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
FILTERED = {"find": "filter", "count": "query", "delete": "deletes", "update": "updates", "findAndModify": "query"}


class Commands(monitoring.CommandListener):
    """Every filter the driver sends, as ``(command, collection, filter)``."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.seen: list[tuple[str, str, dict[str, Any]]] = []
        self.on = False

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        name = event.command_name
        if not self.on or name not in FILTERED:
            return
        found = event.command.get(FILTERED[name])
        filters = [i.get("q", {}) for i in found] if isinstance(found, list) else [found or {}]
        with self.lock:
            self.seen += [(name, str(event.command.get(name)), dict(f)) for f in filters]

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        pass

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        pass


def by_id_only(seen: list[tuple[str, str, dict[str, Any]]]) -> list[tuple[str, str, dict[str, Any]]]:
    """The filters that are not a plain ``{"_id": <string>}``."""
    return [s for s in seen if list(s[2]) != ["_id"] or not isinstance(s[2]["_id"], str)]


async def assert_pushed_down(mongo: Mongo, collection: str, filter: dict[str, Any]) -> None:
    plan = await mongo.db.command("explain", {"find": collection, "filter": filter})
    if "filterPushdown" in plan:  # FerretDB: only _id equality reaches SQLite, through the _id index
        assert plan["filterPushdown"] is True and "USING INDEX" in str(plan["queryPlanner"]), plan
    else:  # MongoDB 7
        assert any(s in str(plan["queryPlanner"]["winningPlan"]) for s in ("IDHACK", "EXPRESS", "IXSCAN")), plan


@pytest.fixture
async def watched(engines: Engines, mongo: Mongo) -> Any:
    commands = Commands()
    client = Mongo(engines.mongo_url, mongo.db.name, event_listeners=(commands,))
    await create_indexes(client)
    yield client, commands
    client.close()


def entry(complaint_id: str, i: int) -> dict[str, Any]:
    return {
        "_id": f"audit-{complaint_id}-{i}",
        "at": NOW + timedelta(seconds=i),
        "actor": "sup-1",
        "role": "supervisor",
        "action": "reveal_personal_data",
        "complaint_id": complaint_id,
        "fields": ["name", "phone"],
        "reason": f"回访 {i}",
    }


async def test_audit_trail_of_one_complaint_reads_only_its_entries(watched: Any, engines: Engines) -> None:
    client, commands = watched
    audit = MongoAuditLog(client)
    second = Mongo(engines.mongo_url, client.db.name)  # a second process writing the same trail
    other = MongoAuditLog(second)
    try:
        await asyncio.gather(*(audit.record(entry(f"c{k}", i)) for k in range(40) for i in range(3)))
        ids = await asyncio.gather(
            *(audit.record(entry("c7", i)) for i in range(3, 10)),
            *(other.record(entry("c7", i)) for i in range(10, 17)),
        )
        assert sorted(ids) == sorted(f"audit-c7-{i}" for i in range(3, 17))  # record returns the audit id
        commands.on = True
        trail = await MongoAuditLog(client).entries("c7")  # a fresh reader: nothing cached
        commands.on = False
    finally:
        second.close()
    assert sorted(e["_id"] for e in trail) == sorted(f"audit-c7-{i}" for i in range(17))  # none lost
    assert all(e["complaint_id"] == "c7" and e["reason"].startswith("回访") for e in trail)
    assert await MongoAuditLog(client).entries("nobody") == []
    finds = [s for s in commands.seen if s[1] == AUDIT]
    assert finds and not by_id_only(finds), by_id_only(finds)
    assert len(finds) <= 17 + 8  # its own 17 slots and one batch past the end; never the 137 stored
    await assert_pushed_down(client, AUDIT, finds[0][2])


async def test_code_attempts_are_counted_by_id_and_exactly_across_processes(watched: Any, engines: Engines) -> None:
    client, commands = watched
    second = Mongo(engines.mongo_url, client.db.name)  # another replica of intake
    try:
        await _count_attempts(client, commands, [MongoOtpStore(client), MongoOtpStore(second)])
    finally:
        second.close()


async def _count_attempts(client: Mongo, commands: Commands, stores: list[MongoOtpStore]) -> None:
    expires = NOW + timedelta(minutes=5)
    for k in range(30):  # other phones' codes and attempts, which a count must not look at
        await stores[0].save(f"phone-{k}", "h", expires)
        await stores[0].count_attempt(f"phone-{k}")
    await stores[0].save("mine", "h", expires)
    commands.on = True
    counts = await asyncio.gather(*(stores[i % 2].count_attempt("mine") for i in range(12)))
    commands.on = False
    assert sorted(counts) == list(range(1, 13))  # parallel guesses from two processes: each counted once
    seen = [s for s in commands.seen if s[1] in (OTPS, OTPS + "_attempts")]
    assert seen and not by_id_only(seen), by_id_only(seen)
    await assert_pushed_down(client, OTPS + "_attempts", {"_id": seen[-1][2]["_id"]})
    await stores[1].save("mine", "h2", expires)  # a new code starts a new count
    assert await stores[0].count_attempt("mine") == 1
    await stores[0].delete("mine")
    assert await stores[1].count_attempt("mine") == 1_000_000  # no code: refused
    assert await stores[0].purge_expired(expires + timedelta(seconds=1)) == 30  # the other phones' codes
    assert await client.db[OTPS + "_attempts"].count_documents({}) == 0  # and every attempt slot


async def test_guarded_register_writes_send_only_id_filters_on_the_local_engine(watched: Any) -> None:
    client, commands = watched
    repo = MongoComplaintRepository(client)
    doc = {
        "_id": "c1",
        "status": "received",
        "estate_id": "SUNNY",
        "received_at": NOW,
        "channel": "app",
        "registration": {"content": "电梯坏了"},
        "processed_events": [],
    }
    await repo.insert(doc, [])
    commands.on = True
    moved = {"$set": {"status": "triaged"}}
    assert await repo.apply_downstream("c1", "e1", "received", moved)
    assert not await repo.apply_downstream("c1", "e1", "triaged", moved)  # redelivered: applied once
    assert not await repo.update("c1", "received", {"$set": {"note": "x"}}, [])  # status moved on
    assert await repo.update("c1", "triaged", {"$push": {"timeline": {"note": "x"}}}, [])
    commands.on = False
    stored = await repo.get("c1")
    assert stored is not None and stored["status"] == "triaged" and stored["processed_events"] == ["e1"]
    assert stored["rev"] == 2 and stored["timeline"] == [{"note": "x"}]
    writes = [s for s in commands.seen if s[1] == "complaints"]
    if await client.collection("complaints").is_ferretdb():
        assert writes and not by_id_only(writes), by_id_only(writes)
    else:  # MongoDB: the guard stays in the filter (atomic)
        assert any("status" in s[2] for s in writes)
