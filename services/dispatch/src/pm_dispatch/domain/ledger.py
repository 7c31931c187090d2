"""The task ledger (台账) as pure values: one compact row per task, the filters, keyset pages.

Rows are what the ledger filters, counts and sorts on; the page's tasks are then read by ``_id``
(the only filter FerretDB pushes down) and checked again against the filters.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta

from pm_dispatch.domain.errors import InvalidCursor
from pm_dispatch.domain.task import Task

OPEN_STATUSES = frozenset({"assigned", "accepted", "on_site", "in_progress", "paused"})
HIDDEN = frozenset({"awaiting_triage", "not_dispatched"})  # no task sheet for anybody yet


def _ms(at: datetime | None) -> int:
    return int(at.timestamp() * 1000) if at else 0


@dataclass(frozen=True, slots=True)
class Row:
    id: str
    estate: str
    status: str
    department: str = ""
    handler: str = ""  # person or contractor id of the assignee
    grade: str = ""
    category: str = ""
    kind: str = "main"
    created: int = 0  # ms since the epoch
    due: int = 0
    rev: int = 0
    subjects: str = ""  # 被投诉人, space-separated: the ledger leaves the row out for them

    def pack(self) -> str:
        return json.dumps(asdict(self), separators=(",", ":"), ensure_ascii=False)

    @staticmethod
    def unpack(text: str) -> Row:
        return Row(**json.loads(text))

    def sort_key(self) -> tuple[int, str]:
        return (-self.created, self.id)


def row_of(task: Task) -> Row:
    a = task.assignee
    return Row(
        id=task.id,
        estate=task.estate_id,
        status=task.status,
        department=a.department if a else "",
        handler=(a.person_id or a.contractor_id or "") if a else "",
        grade=task.grade or "",
        category=task.category,
        kind=task.kind,
        created=_ms(task.created_at),
        due=_ms(task.due_at),
        rev=task.version,
        subjects=" ".join(task.subject_staff_ids),
    )


def merge(rows: dict[str, Row], entries: list[Row]) -> dict[str, Row]:
    """Apply rows in log order; the highest ``rev`` of a task wins (replays change nothing)."""
    for row in entries:
        old = rows.get(row.id)
        if old is None or row.rev >= old.rev:
            rows[row.id] = row
    return rows


@dataclass(frozen=True)
class LedgerFilter:
    estate: str | None = None
    department: str | None = None
    handler: str | None = None
    status: str | None = None
    grade: str | None = None
    overdue: bool = False
    due_within_hours: float | None = None  # about to be overdue: open and due within this many hours
    created_from: datetime | None = None
    created_to: datetime | None = None
    only_handler: str | None = field(default=None)  # set for handlers / contractors: their tasks only

    def fingerprint(self) -> str:
        data = {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in asdict(self).items()}
        return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:12]

    def matches(self, row: Row, now: datetime) -> bool:
        if row.status in HIDDEN:
            return False
        checks = (
            (self.estate, row.estate),
            (self.department, row.department),
            (self.handler, row.handler),
            (self.status, row.status),
            (self.grade, row.grade),
            (self.only_handler, row.handler),
        )
        if any(want is not None and want != have for want, have in checks):
            return False
        now_ms = _ms(now)
        if self.overdue and not (row.status in OPEN_STATUSES and row.due and row.due < now_ms):
            return False
        if self.due_within_hours is not None:
            soon = _ms(now + timedelta(hours=self.due_within_hours))
            if not (row.status in OPEN_STATUSES and row.due and now_ms <= row.due <= soon):
                return False
        if self.created_from and row.created < _ms(self.created_from):
            return False
        return not (self.created_to and row.created >= _ms(self.created_to))


def counts(rows: list[Row]) -> dict[str, int]:
    out: dict[str, int] = {}
    for row in rows:
        out[row.status] = out.get(row.status, 0) + 1
    return dict(sorted(out.items()))


def encode_cursor(row: Row, flt: LedgerFilter) -> str:
    raw = json.dumps([row.created, row.id, flt.fingerprint()]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, flt: LedgerFilter) -> tuple[int, str]:
    try:
        created, task_id, fp = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (ValueError, TypeError):
        raise InvalidCursor() from None
    if fp != flt.fingerprint():
        raise InvalidCursor()
    return int(created), str(task_id)


def page(
    rows: list[Row], flt: LedgerFilter, now: datetime, limit: int, cursor: str | None
) -> tuple[list[Row], list[Row]]:
    """(the matching rows, the page after ``cursor``), newest first, ties by id."""
    matching = sorted((r for r in rows if flt.matches(r, now)), key=Row.sort_key)
    if cursor:
        created, task_id = decode_cursor(cursor, flt)
        after = (-created, task_id)
        matching_page = [r for r in matching if r.sort_key() > after]
    else:
        matching_page = matching
    return matching, matching_page[:limit]
