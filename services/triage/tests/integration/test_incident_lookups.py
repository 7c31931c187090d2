"""Group-incident look-ups on the real engine are by ``_id`` only: the open incident of a fault key,
the complaints already linked, an incident's children and a complaint's incident used to be filters
on ``fault_key`` / ``complaint_id`` / ``incident_id`` — scans of collections that grow with every linked
complaint (P5 measured FerretDB's CPU per triaged item rising 25 → 126 ms over 1,200 items of one
fault). Incidents stored before the logs existed are found after the start-up backfill."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from pm_common.events import new_event
from pm_common.events.payloads import GroupIncidentDeclared
from pm_common.mongo import Mongo
from pm_common.testing.commands import Commands
from pm_triage.adapters.incident_repository import CHILDREN, INCIDENTS, MongoIncidentRepository

pytestmark = pytest.mark.integration
AT = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
KEY = "SUNNY|3号楼/电梯|engineering"
TABLES = {INCIDENTS, CHILDREN, "incident_links", "incident_index", "incident_decisions"}


def declared(incident: str, at: datetime, members: tuple[str, ...]) -> tuple[dict[str, Any], Any]:
    payload = GroupIncidentDeclared(
        incident_id=incident, estate_id="SUNNY", fault_key=KEY, place="3号楼/电梯", category="engineering",
        window_start=at, window_end=at + timedelta(minutes=10), threshold=3, complaint_ids=members, declared_at=at,
    )  # fmt: skip
    document = {"_id": incident, **payload.model_dump(exclude={"incident_id"}), "complaint_ids": list(members)}
    return document, new_event(payload, source="triage", estate_id="SUNNY", now=at)


async def test_every_incident_look_up_is_by_id(watched: tuple[Mongo, Commands]) -> None:
    client, commands = watched
    repo = MongoIncidentRepository(client)
    assert await repo.open_incident(KEY) is None
    for n, at in enumerate((AT, AT + timedelta(hours=2))):  # two incidents of one fault, the first decided
        members = tuple(f"c{n}-{i}" for i in range(3))
        assert await repo.declare_once(*declared(f"inc-{n}", at, members))
        assert await repo.link(f"inc-{n}", KEY, members, at) == 3
    await repo.decide_once({"_id": "inc-0", "decision": "resolved"}, None)
    assert await repo.link("inc-1", KEY, ("c1-0", "c1-3"), AT) == 1  # a replay and one more
    commands.clear()

    assert (await repo.open_incident(KEY) or {})["_id"] == "inc-1"
    assert await repo.linked(["c0-1", "c1-3", "c9"]) == {"c0-1", "c1-3"}
    assert await repo.children("inc-1") == ["c1-0", "c1-1", "c1-2", "c1-3"]  # in link order, once each
    assert await repo.incident_of("c0-2") == "inc-0" and await repo.incident_of("c9") is None
    finds = [(coll, f) for name, coll, f in commands.seen if name == "find" and coll in TABLES]
    assert finds and all(set(f or {}) == {"_id"} for _, f in finds), finds

    commands.clear()  # the next report of a burst asks about the same window members again
    assert await repo.linked(["c0-1", "c1-3", "c9"]) == {"c0-1", "c1-3"}
    assert commands.filters() == [("find", {"_id": "c9"})]  # only the one not known to be linked


async def test_incidents_stored_before_the_logs_are_found_after_the_backfill(mongo: Mongo) -> None:
    old = [("inc-a", AT, ("a1", "a2", "a3")), ("inc-b", AT + timedelta(hours=3), ("b1", "b2", "b3"))]
    for incident, at, members in old:  # as the earlier code wrote them: documents only, no logs or links
        await mongo.collection(INCIDENTS).insert_one(declared(incident, at, members)[0])
        for i, c in enumerate(members):
            child = {"_id": f"{incident}:{c}", "incident_id": incident, "complaint_id": c, "fault_key": KEY}
            await mongo.collection(CHILDREN).insert_one({**child, "linked_at": at + timedelta(seconds=i)})
    repo = MongoIncidentRepository(mongo)
    assert await repo.open_incident(KEY) is None  # not yet
    assert await repo.backfill() == 2
    assert await MongoIncidentRepository(mongo).backfill() == 0  # once per database
    fresh = MongoIncidentRepository(mongo)
    assert (await fresh.open_incident(KEY) or {})["_id"] == "inc-b"  # the latest declared
    assert await fresh.children("inc-a") == ["a1", "a2", "a3"]
    assert await fresh.incident_of("b2") == "inc-b" and await fresh.linked(["a3", "x"]) == {"a3"}
