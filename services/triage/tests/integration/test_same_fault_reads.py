"""The same-fault check of a burst of one fault on the real engine: a report reads only the fault
log's new slot and the records it has not read before (log slots and a record's time, household and
decision never change once written) — it used to read the whole day's log and every earlier record,
O(reports of that fault that day) per report. The answer is the same as reading everything."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from pm_common.mongo import Mongo
from pm_common.testing.commands import Commands
from pm_triage.adapters.repository import MongoTriageRepository

pytestmark = pytest.mark.integration
AT = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
KEY = "SUNNY|3号楼/电梯|engineering"


def record(n: int, household: str, decision: str = "accepted") -> dict[str, object]:
    at = AT + timedelta(minutes=n)
    return {"_id": f"c{n}", "fault_key": KEY, "received_at": at, "household": household, "decision": decision}


async def test_a_burst_of_one_fault_reads_each_record_once(watched: tuple[Mongo, Commands]) -> None:
    client, commands = watched
    repo, other = MongoTriageRepository(client), MongoTriageRepository(client)  # two triage instances
    await repo.add_once(record(0, "h0", decision="rejected"), None)  # refused: never "the first"
    since, until = AT - timedelta(hours=1), AT + timedelta(hours=2)
    for n in range(1, 30):
        writer = repo if n % 2 else other
        await writer.add_once(record(n, f"h{n}"), None)
        assert await repo.first_same_fault(KEY, since, until, f"h{n}", f"c{n}") == ("c1" if n > 1 else None)
    commands.clear()
    await other.add_once(record(30, "h1"), None)  # written by the other instance
    commands.clear()
    assert await repo.first_same_fault(KEY, since, until, "h1", "c30") == "c2"  # c1 is the same household
    reads = [(coll, str((f or {}).get("_id"))) for name, coll, f in commands.seen if name == "find"]
    # records: only c29 (the previous report, excluded from its own check), none read again
    assert {doc for coll, doc in reads if coll == "triages"} == {"c29"}, reads
    slots = [doc for coll, doc in reads if coll == "triage_index"]
    assert slots and all(int(slot.rsplit("#", 1)[1]) > 30 for slot in slots), slots  # only the new slots
    assert await MongoTriageRepository(client).first_same_fault(KEY, since, until, "h1", "c30") == "c2"  # cold
