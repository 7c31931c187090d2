"""Staff ledger queries (台账, intake side): filters, keyset cursor, the estate scope rule, and
which index row / stored item a query matches."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from operator import attrgetter
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from pm_intake.domain.errors import InvalidCursor, NotPermitted
from pm_intake.domain.ledger_index import Row, text_matches

__all__ = [
    "Cursor",
    "LedgerPage",
    "LedgerQuery",
    "cursor_after",
    "estate_scope",
    "matches",
    "only_reader_filter",
    "remaining",
    "row_filter",
    "to_ms",
]


@dataclass(frozen=True)
class Cursor:
    """Where the previous page ended: the last item's received time (ms) and id, bound to the filters."""

    ts: int
    cid: str
    filters: str

    def encode(self) -> str:
        raw = f"{self.ts}:{self.cid}:{self.filters}".encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @staticmethod
    def decode(token: str, filters: str) -> Cursor:
        try:
            raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
            ts, cid, bound = raw.split(":")
            cursor = Cursor(int(ts), cid, bound)
        except (ValueError, UnicodeDecodeError):
            raise InvalidCursor("分页游标无效", "invalid cursor") from None
        if not cid or cursor.filters != filters:
            raise InvalidCursor("分页游标与本次查询条件不符，请从第一页重新查询", "the cursor belongs to another query")
        return cursor


@dataclass(frozen=True)
class LedgerPage:
    """One page of the ledger: the stored items, the total matching, where the next page starts."""

    docs: list[dict[str, Any]]
    total: int
    next_cursor: str | None = None
    total_exact: bool = True  # False only for text of several grams (counted from the gram index)


class LedgerQuery(BaseModel):
    model_config = ConfigDict(frozen=True)

    estates: tuple[str, ...] | None = None  # None: every estate (group-wide roles)
    status: str | None = None
    channel: str | None = None
    category: str | None = None
    handler: str | None = None
    department: str | None = None
    date_from: datetime | None = None
    date_to: datetime | None = None
    text: str | None = Field(None, max_length=100)
    recorder_id: str | None = None
    ids: tuple[str, ...] | None = None
    hidden_from: str | None = None  # the reader: items naming them among their subjects (被投诉人) are left out
    page: int = Field(1, ge=1)
    page_size: int = Field(20, ge=1, le=100)
    cursor: str | None = Field(None, max_length=400)

    def fingerprint(self) -> str:
        """A short hash of the filters (not the paging), so a cursor cannot be replayed on another query."""
        fields = self.model_dump(exclude={"page", "page_size", "cursor"}, mode="json")
        return hashlib.sha256(repr(sorted(fields.items())).encode()).hexdigest()[:10]

    def after(self) -> Cursor | None:
        return Cursor.decode(self.cursor, self.fingerprint()) if self.cursor else None


def to_ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def matches(row: Row, query: LedgerQuery, content: str | None = None) -> bool:
    """Does an index row (and, when given, the stored content) satisfy every filter of the query?"""
    if query.estates is not None and row.estate not in query.estates:
        return False
    for wanted, value in (
        (query.status, row.status),
        (query.channel, row.channel),
        (query.category, row.category),
        (query.handler, row.handler),
        (query.department, row.department),
        (query.recorder_id, row.recorder),
    ):
        if wanted and wanted != value:
            return False
    if query.date_from and row.ts < to_ms(query.date_from):
        return False
    if query.date_to and row.ts >= to_ms(query.date_to):
        return False
    if query.ids is not None and row.cid not in query.ids:
        return False
    if query.hidden_from and row.names(query.hidden_from):
        return False
    return not (query.text and content is not None and not text_matches(content, query.text))


def row_filter(query: LedgerQuery) -> Callable[[Row], bool] | None:
    """``matches`` for rows already limited to the query's estates, compiled once per query (it runs
    on every indexed row in scope); ``None`` when every row matches."""
    pairs = [
        (name, value)
        for name, value in (
            ("status", query.status),
            ("channel", query.channel),
            ("category", query.category),
            ("handler", query.handler),
            ("department", query.department),
            ("recorder", query.recorder_id),
        )
        if value
    ]
    low = to_ms(query.date_from) if query.date_from else None
    high = to_ms(query.date_to) if query.date_to else None
    hidden = query.hidden_from
    if not pairs and low is None and high is None:
        return None if not hidden else lambda row: not row.names(hidden)
    get = attrgetter(*(n for n, _ in pairs)) if pairs else None
    wanted: Any = tuple(v for _, v in pairs) if len(pairs) > 1 else (pairs[0][1] if pairs else None)

    def keep(row: Row) -> bool:
        if get is not None and get(row) != wanted:
            return False
        if hidden and row.subjects and row.names(hidden):
            return False
        return (low is None or row.ts >= low) and (high is None or row.ts < high)

    return keep


def only_reader_filter(query: LedgerQuery) -> bool:
    """Whether the 被投诉人 rule is the query's only row filter (then a partition naming nobody the
    reader is can be taken whole, without a pass over its rows)."""
    return bool(query.hidden_from) and row_filter(query.model_copy(update={"hidden_from": None})) is None


def remaining(rows: list[Row], query: LedgerQuery) -> list[Row]:
    """Rows in ledger order (newest first, then id) from where the cursor (or page number) points."""
    ordered = sorted(rows, key=Row.sort_key)
    after = query.after()
    if after is None:
        return ordered[(query.page - 1) * query.page_size :]
    boundary = (-after.ts, after.cid)
    return [r for r in ordered if r.sort_key() > boundary]


def cursor_after(row: Row, query: LedgerQuery) -> str:
    return Cursor(row.ts, row.cid, query.fingerprint()).encode()


def estate_scope(staff_estates: tuple[str, ...], requested: str | None) -> tuple[str, ...] | None:
    """Staff only see their estates: the requested one if they serve it, otherwise all of theirs."""
    group_wide = "*" in staff_estates
    if requested is not None:
        if not group_wide and requested not in staff_estates:
            raise NotPermitted("无权访问该项目（小区）的数据", "no access to this estate")
        return (requested,)
    return None if group_wide else staff_estates
