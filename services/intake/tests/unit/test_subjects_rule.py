"""The 被投诉人 rule as pure values: the shared predicate, intake's index rows and ledger filters."""

from __future__ import annotations

import pytest

from pm_common.auth import Principal
from pm_common.subjects import is_subject, may_see
from pm_intake.domain.ledger import LedgerQuery, matches, only_reader_filter, row_filter
from pm_intake.domain.ledger_index import Row, filtered_fields

pytestmark = pytest.mark.unit


def _staff(sub: str, estates: tuple[str, ...] = ("SUNNY",)) -> Principal:
    return Principal(sub=sub, role="supervisor", estates=estates, exp=2**31)


def test_the_shared_rule() -> None:
    assert is_subject("sup-9", ["sec-3", "sup-9"]) and not is_subject("sup-1", ["sup-9"])
    assert not is_subject("sup-9", None) and not is_subject("sup-9", [])
    assert may_see(_staff("sup-1"), "SUNNY", ["sup-9"])
    assert not may_see(_staff("sup-9", ("*",)), "SUNNY", ["sup-9"])  # group-wide tokens too
    assert not may_see(_staff("sup-1"), "JADE", None)


def test_index_rows_carry_the_subjects_and_read_rows_packed_before_them() -> None:
    row = Row("c1", "SUNNY", 1, "received", "app", subjects="sup-9 sec-3")
    assert Row.unpack(row.pack()) == row and row.names("sec-3") and not row.names("sup")
    old = "c2\tSUNNY\t2\treceived\tapp\t\t\t\tdesk-1\t4"  # 10 columns: written before the field existed
    assert Row.unpack(old) == Row("c2", "SUNNY", 2, "received", "app", recorder="desk-1", rev=4)
    assert filtered_fields(row) != filtered_fields(Row("c1", "SUNNY", 1, "received", "app"))  # a change re-indexes


def test_the_ledger_leaves_out_rows_naming_the_reader() -> None:
    named, plain = Row("c1", "SUNNY", 1, "received", "app", subjects="sup-9"), Row("c2", "SUNNY", 2, "received", "app")
    mine = LedgerQuery(hidden_from="sup-9")
    keep = row_filter(mine)
    assert keep is not None and not keep(named) and keep(plain)
    assert not matches(named, mine) and matches(plain, mine) and matches(named, LedgerQuery(hidden_from="sup-1"))
    assert only_reader_filter(mine) and not only_reader_filter(LedgerQuery(hidden_from="sup-9", status="received"))
    with_status = row_filter(LedgerQuery(hidden_from="sup-9", status="received"))
    assert with_status is not None and not with_status(named) and with_status(plain)
    assert row_filter(LedgerQuery()) is None  # nobody to hide from: the fast path stays
