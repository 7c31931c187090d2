"""The ledger (台账) through the real API: filters, counts per status, keyset pages, overdue and
about-to-be-overdue, CSV / XLSX export, estate and own-task isolation; and the plan of every hot
query is an ``_id`` lookup (all FerretDB 1.24 pushes down)."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from dispatch_fakes import triaged
from openpyxl import load_workbook

from conftest import Dispatch
from pm_common import topics
from pm_common.matching import split_by_id
from pm_common.testing import poll_until

pytestmark = pytest.mark.integration


async def seed(dispatch: Dispatch) -> dict[str, list[str]]:
    now = datetime.now(UTC)
    made: dict[str, list[str]] = {"eng": [], "clean": [], "late": [], "moon": []}
    plan = [("eng", "engineering", "SUNNY", now)] * 3 + [("clean", "cleaning_greening", "SUNNY", now)] * 2
    plan += [("late", "cleaning_greening", "SUNNY", now - timedelta(days=5)), ("moon", "engineering", "MOON", now)]
    for kind, category, estate, at in plan:
        c = uuid.uuid4().hex
        await dispatch.publisher.publish(
            topics.COMPLAINT_TRIAGED, triaged(c, category=category, estate=estate, at=at)[0]
        )
        made[kind].append(f"T-{c}")
    for tid in [t for ids in made.values() for t in ids]:
        await dispatch.task(tid, "assigned")
    async with dispatch.client("supervisor", "sup-1") as sup:
        who = {"kind": "person", "department": "engineering", "person_id": "eng-7"}
        for tid in made["eng"][:2]:
            assert (
                await sup.post(f"/v1/tasks/{tid}/reassign", json={"reason": "指定", "assignee": who})
            ).status_code == 200
        assert (await sup.post(f"/v1/tasks/{made['eng'][0]}/accept")).status_code == 200
    return made


async def listed(client, **params) -> dict:  # type: ignore[no-untyped-def]
    response = await client.get("/v1/tasks", params=params)
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


async def test_filters_counts_pages_exports_and_isolation(dispatch: Dispatch) -> None:
    made = await seed(dispatch)
    async with (
        dispatch.client("supervisor", "sup-1") as sup,
        dispatch.client("supervisor", "sup-9", ("MOON",)) as moon,
        dispatch.client("handler", "eng-7") as eng,
        dispatch.client("leadership", "boss", ("*",)) as boss,
    ):

        async def six() -> dict | None:  # type: ignore[type-arg]
            body = await listed(sup)
            return body if body["total"] == 6 else None

        everything = await poll_until(six, what="six SUNNY tasks in the ledger")
        assert everything["counts"] == {"accepted": 1, "assigned": 5}
        first = await listed(sup, limit=4)
        second = await listed(sup, limit=4, cursor=first["next_cursor"])
        ids = [t["task_id"] for t in first["items"] + second["items"]]
        assert len(ids) == 6 == len(set(ids)) and second["next_cursor"] is None
        bad = await sup.get("/v1/tasks", params={"cursor": first["next_cursor"], "status": "assigned"})
        assert bad.status_code == 422 and bad.json()["error"]["code"] == "invalid_cursor"
        eng_dept = await listed(sup, department="engineering")
        assert sorted(t["task_id"] for t in eng_dept["items"]) == sorted(made["eng"])
        assert [t["task_id"] for t in (await listed(sup, status="accepted"))["items"]] == [made["eng"][0]]
        assert sorted(t["task_id"] for t in (await listed(sup, handler="eng-7"))["items"]) == sorted(made["eng"][:2])
        assert [t["task_id"] for t in (await listed(sup, overdue="true"))["items"]] == made["late"]
        assert (await listed(sup, due_within_hours=80))["total"] == 5 and (await listed(sup, due_within_hours=1))[
            "total"
        ] == 0
        window = {"created_from": (datetime.now(UTC) - timedelta(hours=1)).isoformat()}
        assert (await listed(sup, **window))["total"] == 6
        # isolation: another estate's supervisor, a handler's own tasks, group-wide leadership
        assert [t["task_id"] for t in (await listed(moon))["items"]] == made["moon"]
        assert (await listed(moon, estate="SUNNY"))["total"] == 0
        mine = await listed(eng)
        assert sorted(t["task_id"] for t in mine["items"]) == sorted(made["eng"][:2]) and mine["counts"] == {
            "accepted": 1,
            "assigned": 1,
        }
        assert (await listed(boss))["total"] == 7
        # exports
        exported = await sup.get("/v1/ledger/export", params={"format": "csv", "department": "engineering"})
        assert exported.status_code == 200 and "attachment" in exported.headers["content-disposition"]
        rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
        assert rows[0][:2] == ["任务单号", "投诉编号"] and sorted(r[0] for r in rows[2:]) == sorted(made["eng"])
        xlsx = await eng.get("/v1/ledger/export", params={"format": "xlsx"})
        sheet = load_workbook(io.BytesIO(xlsx.content))["台账"]
        assert sorted(r[0] for r in list(sheet.iter_rows(values_only=True))[2:]) == sorted(made["eng"][:2])
        integration = dispatch.client("integration", "bi-1", ("*",))
        async with integration as bi:
            assert (await bi.get("/v1/tasks")).status_code == 403


async def test_hot_queries_are_id_lookups(dispatch: Dispatch) -> None:
    made = await seed(dispatch)
    tid = made["eng"][0]
    info = await dispatch.mongo.client.server_info()
    saved = {"_id": tid, "version": 3}  # the versioned save's filter ...
    split = split_by_id(saved)
    assert split is not None  # ... is sent by _id, the version checked in the process (pm_common.collection)
    filters = [
        ("tasks", {"_id": tid}),  # repo.get
        ("tasks", {"_id": split[0]}),  # the versioned save
        ("task_ledger", {"_id": "tl|SUNNY#0000001"}),  # ledger log slots
        ("task_ledger", {"_id": "snap|tl|SUNNY"}),  # ledger snapshot
    ]
    for collection, query in filters:
        plan = await dispatch.mongo.db.command("explain", {"find": collection, "filter": query})
        if "ferretdbVersion" in info:
            assert plan.get("filterPushdown") is True, (collection, query, plan)
        else:
            assert any(s in str(plan["queryPlanner"]["winningPlan"]) for s in ("IDHACK", "EXPRESS", "IXSCAN")), plan
