"""The ledger index as pure values: rows, grams, merging by revision, packing, cursors, paging."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from pm_intake.domain.errors import InvalidCursor
from pm_intake.domain.ledger import Cursor, LedgerQuery, cursor_after, matches, remaining, row_filter
from pm_intake.domain.ledger_index import (
    CID_PREFIX,
    Row,
    grams,
    merge_rows,
    pack_postings,
    pack_rows,
    parse_text_entry,
    period_of,
    query_grams,
    row_of,
    text_entry,
    text_matches,
    unpack_postings,
    unpack_rows,
)

pytestmark = pytest.mark.unit
T0 = datetime(2026, 11, 22, 2, 0, tzinfo=UTC)


def row(cid: str, minutes: int = 0, **fields: object) -> Row:
    values: dict[str, object] = {"estate": "SUNNY", "status": "received", "channel": "app", **fields}
    return Row(cid=cid, ts=int((T0 + timedelta(minutes=minutes)).timestamp() * 1000), **values)  # type: ignore[arg-type]


def test_a_row_survives_packing_even_with_tabs_and_newlines_in_values() -> None:
    original = row("a" * 32, handler="eng\t7", department="工程\n部", recorder="desk-1", rev=4)
    back = Row.unpack(original.pack())
    assert back == Row(original.cid, "SUNNY", original.ts, "received", "app", "", "eng 7", "工程 部", "desk-1", 4)
    assert unpack_rows(pack_rows([original, row("b" * 32)])) == {
        "a" * 32: back,
        "b" * 32: row("b" * 32),
    }
    assert unpack_rows(None) == {} and unpack_rows(pack_rows([])) == {}


def test_row_of_a_stored_document_takes_the_triage_category_and_the_task_handler() -> None:
    doc = {
        "_id": "c1",
        "estate_id": "JADE",
        "received_at": T0,
        "status": "in_progress",
        "channel": "phone",
        "triage": {"category": "engineering"},
        "department": "engineering",
        "handler_id": "eng-7",
        "recorder_id": "desk-1",
        "rev": 3,
    }
    r = row_of(doc)
    assert (r.estate, r.status, r.category, r.department, r.handler, r.recorder, r.rev) == (
        "JADE",
        "in_progress",
        "engineering",
        "engineering",
        "eng-7",
        "desk-1",
        3,
    )
    assert r.ts == int(T0.timestamp() * 1000) and period_of(r.ts) == "2026"


def test_the_latest_revision_wins_and_a_redelivered_older_entry_changes_nothing() -> None:
    rows: dict[str, Row] = {}
    merge_rows(rows, [row("c1", rev=1), row("c1", status="triaged", rev=2), row("c1", status="in_progress", rev=3)])
    merge_rows(rows, [row("c1", status="triaged", rev=2), row("c1", rev=1)])  # replayed out of order
    assert rows["c1"].status == "in_progress"
    merge_rows(rows, [row("c1", status="in_progress", rev=3)])  # the same entry twice: idempotent
    assert rows["c1"].status == "in_progress" and len(rows) == 1


def test_grams_are_characters_and_neighbour_pairs_of_each_word_normalised() -> None:
    assert grams("电梯困人") == {"电", "梯", "困", "人", "电梯", "梯困", "困人"}
    assert grams("ＡＢ c") == {"a", "b", "ab", "c"}  # full-width folded, case folded, no pair across a space
    assert query_grams("电梯困人") == {"电梯", "梯困", "困人"}
    assert query_grams("水") == {"水"} and query_grams("3号 楼") == {"3号", "楼"}
    assert query_grams("") == set()


def test_every_query_gram_of_a_substring_is_a_gram_of_the_content() -> None:
    content = "我是3号楼2单元的业主，地下车库B区漏水，请尽快派人处理。"
    for start in range(len(content)):
        for end in range(start + 1, min(len(content), start + 6) + 1):
            part = content[start:end]
            assert query_grams(part) <= grams(content), part
            assert text_matches(content, part)
    assert text_matches(content, "ｂ区漏水") and not text_matches(content, "漏 水")


def test_text_entries_and_postings_pack_and_parse() -> None:
    cid = "0123456789abcdef" * 2
    prefix, has = parse_text_entry(text_entry(cid, "电梯困人"))
    assert prefix == cid[:CID_PREFIX] and "梯困" in has and "电梯困人" not in has
    postings = {"漏水": {"aaa", "bbb"}, "水": set()}
    assert unpack_postings(pack_postings(postings)) == postings
    assert unpack_postings(None) == {}


def test_filters_match_rows_and_the_content() -> None:
    r = row("c1", status="in_progress", category="engineering", handler="eng-7", department="engineering")
    assert matches(r, LedgerQuery(estates=("SUNNY",), status="in_progress", category="engineering", handler="eng-7"))
    assert not matches(r, LedgerQuery(estates=("JADE",)))
    assert not matches(r, LedgerQuery(department="cleaning"))
    assert matches(r, LedgerQuery(date_from=T0, date_to=T0 + timedelta(seconds=1)))
    assert not matches(r, LedgerQuery(date_to=T0))  # the end is exclusive
    assert matches(r, LedgerQuery(text="漏水"), "车库漏水") and not matches(r, LedgerQuery(text="漏水"), "电梯")
    assert matches(r, LedgerQuery(text="漏水"))  # without the content only the index filters count


def test_keyset_pages_cover_every_row_once_in_order_even_with_equal_times() -> None:
    rows = [row(f"c{i:02d}", minutes=i // 3) for i in range(25)]  # three items per minute
    query = LedgerQuery(page_size=4)
    seen: list[str] = []
    cursor: str | None = None
    for _ in range(10):
        page = remaining(rows, query.model_copy(update={"cursor": cursor}))[:4]
        seen += [r.cid for r in page]
        if len(page) < 4:
            break
        cursor = cursor_after(page[-1], query)
    expected = [r.cid for r in sorted(rows, key=lambda r: (-r.ts, r.cid))]
    assert seen == expected and len(set(seen)) == 25
    assert [r.cid for r in remaining(rows, LedgerQuery(page=2, page_size=4))][:4] == expected[4:8]


def test_a_cursor_only_works_for_the_query_it_came_from() -> None:
    query = LedgerQuery(estates=("SUNNY",), status="received")
    token = Cursor(123, "c1", query.fingerprint()).encode()
    assert query.model_copy(update={"cursor": token}).after() == Cursor(123, "c1", query.fingerprint())
    assert LedgerQuery(estates=("SUNNY",), status="received", page_size=50, cursor=token).after() is not None
    with pytest.raises(InvalidCursor) as other:
        LedgerQuery(estates=("SUNNY",), status="done", cursor=token).after()
    assert "查询条件不符" in other.value.zh and other.value.en == "the cursor belongs to another query"
    for garbage in ("not-a-cursor", "!!!", Cursor(1, "", "x").encode()):
        with pytest.raises(InvalidCursor):
            LedgerQuery(cursor=garbage).after()


def test_the_compiled_row_filter_agrees_with_matches() -> None:
    import random

    rng = random.Random(5)
    rows = [
        row(
            f"c{i}",
            minutes=rng.randint(0, 600),
            status=rng.choice(["received", "triaged", "done"]),
            channel=rng.choice(["app", "phone"]),
            category=rng.choice(["", "engineering"]),
            handler=rng.choice(["", "eng-1"]),
            department=rng.choice(["", "engineering"]),
            recorder=rng.choice(["desk-1", "desk-2"]),
        )
        for i in range(200)
    ]
    for _ in range(200):
        fields = {
            "status": rng.choice([None, "received", "done"]),
            "channel": rng.choice([None, "app"]),
            "category": rng.choice([None, "engineering"]),
            "handler": rng.choice([None, "eng-1"]),
            "department": rng.choice([None, "engineering"]),
            "recorder_id": rng.choice([None, "desk-2"]),
            "date_from": rng.choice([None, T0 + timedelta(minutes=100)]),
            "date_to": rng.choice([None, T0 + timedelta(minutes=400)]),
        }
        query = LedgerQuery(**fields)  # type: ignore[arg-type]
        keep = row_filter(query)
        assert [r for r in rows if keep is None or keep(r)] == [r for r in rows if matches(r, query)], fields
