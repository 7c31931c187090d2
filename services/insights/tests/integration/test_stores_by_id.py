"""Every command the insights stores send addresses one document by ``_id`` (the only filter FerretDB
1.24 pushes down; anything else decodes every stored document): the projection of the whole seeded
data set, a statistics read and a warning, on the real engine, checked on every command the driver
sends and with ``explain``."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime
from typing import Any

import pytest
from pymongo import monitoring
from seed_data import data_set

from pm_common.events import parse_payload
from pm_common.mongo import Mongo
from pm_common.testing.fixtures import Engines
from pm_insights.adapters.stores import BUCKETS, VIEWS, MongoBuckets, MongoThresholds, MongoViews, MongoWarnings
from pm_insights.domain.buckets import days
from pm_insights.service_layer.project import Projection

pytestmark = pytest.mark.integration
FILTERED = {"find": "filter", "count": "query", "delete": "deletes", "update": "updates", "findAndModify": "query"}


class Commands(monitoring.CommandListener):
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.seen: list[tuple[str, str, dict[str, Any]]] = []

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        name = event.command_name
        if name not in FILTERED:
            return
        found = event.command.get(FILTERED[name])
        filters = [i.get("q", {}) for i in found] if isinstance(found, list) else [found or {}]
        with self.lock:
            self.seen += [(name, str(event.command.get(name)), dict(f)) for f in filters]

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        pass

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        pass


async def assert_pushed_down(mongo: Mongo, collection: str, filter: dict[str, Any]) -> None:
    plan = await mongo.db.command("explain", {"find": collection, "filter": filter})
    if "filterPushdown" in plan:  # FerretDB: the _id equality reaches SQLite, through the _id index
        assert plan["filterPushdown"] is True and "USING INDEX" in str(plan["queryPlanner"]), plan
    else:  # MongoDB 7
        assert any(s in str(plan["queryPlanner"]["winningPlan"]) for s in ("IDHACK", "EXPRESS", "IXSCAN")), plan


async def test_projection_reads_and_writes_by_id_only(engines: Engines, mongo: Mongo) -> None:
    commands = Commands()
    client = Mongo(engines.mongo_url, mongo.db.name, event_listeners=(commands,))
    try:
        buckets = MongoBuckets(client)
        projection = Projection(
            MongoViews(client), buckets, MongoWarnings(client), MongoThresholds(client),
            tz="Asia/Shanghai", now=lambda: datetime(2026, 11, 10, 12, 0, tzinfo=UTC),
        )  # fmt: skip
        for _topic, envelope in data_set():
            await projection.handle(envelope, parse_payload(envelope))
        # the rules of 10 November (the clock's today): 5 customer-service complaints, 5 of them in building 5
        # and 3 security ones in building 9 → nature_spike customer_service, location_spike 5|… and 9|…
        assert projection.dirty and await projection.check_due() == 3
        assert await projection.check_due() == 0  # nothing changed since
        rows = await buckets.read(["SUNNY", "JADE"], days(date(2026, 11, 1), date(2026, 11, 30)))
        assert len(rows) == 40
        assert commands.seen, "the listener saw the commands"
        wider = [s for s in commands.seen if "_id" not in s[2] or not isinstance(s[2]["_id"], str)]
        assert wider == [], wider[:5]
        # the versioned saves' {_id, version} guard is checked in Python by pm_common's collection wrapper
        # on FerretDB (docs/spine.md), so what reaches the engine is the _id alone
        extra = {k for *_, f in commands.seen for k in f} - {"_id"}
        assert extra == set() or not await client.collection(VIEWS).is_ferretdb(), extra
    finally:
        client.close()
    await assert_pushed_down(mongo, VIEWS, {"_id": "s00"})
    await assert_pushed_down(mongo, BUCKETS, {"_id": "SUNNY|2026-11-02"})
