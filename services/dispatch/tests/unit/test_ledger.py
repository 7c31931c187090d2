"""The ledger over rows: filters, counts, keyset pages, scope, exports (pure + fakes)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from dispatch_fakes import NOW, FakeLedger, FakeRepo, FakeRouter, triaged
from openpyxl import load_workbook

from pm_dispatch.adapters import ledger_export
from pm_dispatch.domain.access import Actor
from pm_dispatch.domain.errors import InvalidCursor
from pm_dispatch.domain.ledger import LedgerFilter
from pm_dispatch.service_layer import handling, ledger, sheets

pytestmark = pytest.mark.unit
SUP = Actor("sup-1", "supervisor", ("SUNNY",))


async def seeded() -> FakeRepo:
    repo, router = FakeRepo(), FakeRouter({"engineering": "eng-1"})
    for i in range(7):
        category = "engineering" if i % 2 else "cleaning_greening"
        await sheets.on_triaged(*triaged(f"c{i}", category=category), repo, router, NOW + timedelta(minutes=i), None)
    await sheets.on_triaged(*triaged("m1", estate="MOON"), repo, router, NOW, None)
    await handling.accept(repo, SUP, "T-c1", NOW)
    return repo


async def test_filters_counts_and_keyset_pages() -> None:
    repo = await seeded()
    index = FakeLedger(repo)
    first = await ledger.query(index, repo, SUP, LedgerFilter(), NOW, 3, None)
    assert [t.id for t in first.items] == ["T-c6", "T-c5", "T-c4"] and first.total == 7
    assert first.counts == {"accepted": 1, "assigned": 6}
    second = await ledger.query(index, repo, SUP, LedgerFilter(), NOW, 3, first.next_cursor)
    third = await ledger.query(index, repo, SUP, LedgerFilter(), NOW, 3, second.next_cursor)
    assert [t.id for t in second.items + third.items] == ["T-c3", "T-c2", "T-c1", "T-c0"] and third.next_cursor is None
    with pytest.raises(InvalidCursor):
        await ledger.query(index, repo, SUP, LedgerFilter(status="assigned"), NOW, 3, first.next_cursor)
    eng = await ledger.query(index, repo, SUP, LedgerFilter(department="engineering", status="assigned"), NOW, 50, None)
    assert [t.id for t in eng.items] == ["T-c5", "T-c3"] and eng.counts == {"accepted": 1, "assigned": 2}
    overdue = await ledger.query(index, repo, SUP, LedgerFilter(overdue=True), NOW + timedelta(days=4), 50, None)
    assert overdue.total == 7
    soon = await ledger.query(
        index, repo, SUP, LedgerFilter(due_within_hours=24), NOW + timedelta(days=2, hours=1), 50, None
    )
    assert (
        soon.total == 7
        and (await ledger.query(index, repo, SUP, LedgerFilter(due_within_hours=1), NOW, 50, None)).total == 0
    )
    dated = LedgerFilter(created_from=NOW + timedelta(minutes=2), created_to=NOW + timedelta(minutes=4))
    assert [t.id for t in (await ledger.query(index, repo, SUP, dated, NOW, 50, None)).items] == ["T-c3", "T-c2"]


async def test_scope_estates_and_own_tasks_only() -> None:
    repo = await seeded()
    index = FakeLedger(repo)
    group = Actor("boss", "leadership", ("*",))
    assert (await ledger.query(index, repo, group, LedgerFilter(), NOW, 50, None)).total == 8
    assert (await ledger.query(index, repo, SUP, LedgerFilter(estate="MOON"), NOW, 50, None)).total == 0
    handler = Actor("eng-1", "handler", ("SUNNY",))
    mine = await ledger.query(index, repo, handler, LedgerFilter(), NOW, 50, None)
    assert sorted(t.id for t in mine.items) == ["T-c1", "T-c3", "T-c5"] and mine.counts == {
        "accepted": 1,
        "assigned": 2,
    }
    assert await repo.open_counts(["eng-1", "nobody"]) == {"eng-1": 3, "nobody": 0}


async def test_exports_have_bilingual_headers_and_one_line_per_task() -> None:
    repo = await seeded()
    tasks = await ledger.export_tasks(FakeLedger(repo), repo, SUP, LedgerFilter(department="engineering"), NOW)
    text = ledger_export.to_csv(tasks).decode("utf-8-sig").splitlines()
    assert text[0].startswith("任务单号,投诉编号") and text[1].startswith("task_id,complaint_id") and len(text) == 5
    import io

    book = load_workbook(io.BytesIO(ledger_export.to_xlsx(tasks)))
    rows = list(book["台账"].iter_rows(values_only=True))
    assert rows[0][0] == "任务单号" and len(rows) == 5 and {r[0] for r in rows[2:]} == {"T-c1", "T-c3", "T-c5"}
