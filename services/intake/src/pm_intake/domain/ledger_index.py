"""The query-side index of the ledger, as pure values: one compact row per item (the fields staff
filter on), the character grams of its content, and how both are keyed, packed and merged.

The engine is only asked for documents by ``_id`` (FerretDB 1.24 pushes nothing else down), so the
index lives in keyed documents: rows per ``(estate, year)`` and content grams per ``(estate, year)``
split into shards. See ``docs/data-path.md``.
"""

from __future__ import annotations

import re
import unicodedata
import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

TEXT_SHARDS = 256
CID_PREFIX = 12  # postings keep the first 12 hex digits of an id; matches are checked on the item itself
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True, slots=True)
class Row:
    """What the ledger filters and sorts on, for one item; ``rev`` orders versions of the same item."""

    cid: str
    estate: str
    ts: int  # received at, ms since the epoch (UTC)
    status: str
    channel: str
    category: str = ""
    handler: str = ""
    department: str = ""
    recorder: str = ""
    rev: int = 0
    subjects: str = ""  # the staff the item is about (被投诉人), space-separated: hidden from them

    def pack(self) -> str:
        fields = (self.cid, self.estate, str(self.ts), self.status, self.channel, self.category)
        rest = (self.handler, self.department, self.recorder, str(self.rev), self.subjects)
        return "\t".join(_clean(f) for f in (*fields, *rest))

    @staticmethod
    def unpack(line: str) -> Row:
        cid, estate, ts, status, channel, category, handler, department, recorder, rev, *subjects = line.split("\t")
        named = subjects[0] if subjects else ""  # rows packed before the field existed have 10 columns
        return Row(cid, estate, int(ts), status, channel, category, handler, department, recorder, int(rev), named)

    def names(self, staff_id: str) -> bool:
        """Whether the item is about ``staff_id`` (who then must not find it)."""
        return bool(self.subjects) and staff_id in self.subjects.split(" ")

    def newer_than(self, other: Row | None) -> bool:
        return other is None or self.rev >= other.rev

    def sort_key(self) -> tuple[int, str]:
        return (-self.ts, self.cid)


def _clean(value: str) -> str:
    return value.replace("\t", " ").replace("\n", " ")


def row_of(doc: Mapping[str, Any]) -> Row:
    """The index row of a stored complaint document."""
    triage = doc.get("triage") or {}
    received: datetime = doc["received_at"]
    return Row(
        cid=doc["_id"],
        estate=doc["estate_id"],
        ts=int(received.timestamp() * 1000),
        status=doc["status"],
        channel=doc.get("channel") or "",
        category=doc.get("category") or triage.get("category") or "",
        handler=doc.get("handler_id") or "",
        department=doc.get("department") or "",
        recorder=doc.get("recorder_id") or "",
        rev=int(doc.get("rev") or 0),
        subjects=" ".join(doc.get("subject_staff_ids") or ()),
    )


def content_of(doc: Mapping[str, Any]) -> str:
    return str((doc.get("registration") or {}).get("content") or "")


def period_of(ts_ms: int) -> str:
    """Index partition of an item: the UTC year it was received in (it never changes)."""
    return str(datetime.fromtimestamp(ts_ms / 1000, UTC).year)


def row_key(estate: str, period: str) -> str:
    return f"r|{estate}|{period}"


def text_key(estate: str, period: str) -> str:
    return f"t|{estate}|{period}"


def text_key_of(rows: str) -> str:
    """The text log of the partition whose row log is ``rows``."""
    return "t" + rows[1:]


def normalise(text: str) -> str:
    """Full-width to half-width, case folded (so ＡＢ, ab and AB match), whitespace runs as one space."""
    return _SPACE.sub(" ", unicodedata.normalize("NFKC", text).casefold()).strip()


def grams(text: str) -> set[str]:
    """Every character and every pair of neighbouring characters of each word of the content."""
    found: set[str] = set()
    for word in normalise(text).split(" "):
        found.update(word)
        found.update(word[i : i + 2] for i in range(len(word) - 1))
    found.discard("")
    return found


def query_grams(text: str) -> set[str]:
    """The grams every item containing ``text`` must have: the pairs of each word (a single
    character stands for itself)."""
    needed: set[str] = set()
    for word in normalise(text).split(" "):
        if len(word) == 1:
            needed.add(word)
        needed.update(word[i : i + 2] for i in range(len(word) - 1))
    return needed


def text_matches(content: str, text: str) -> bool:
    return normalise(text) in normalise(content)


def shard_of(gram: str) -> int:
    return zlib.crc32(gram.encode()) % TEXT_SHARDS


def merge_rows(rows: dict[str, Row], entries: Iterable[Row]) -> dict[str, Row]:
    """Apply index entries in log order: the highest ``rev`` of an item wins (a redelivered or
    replayed entry carries the same or a lower rev and changes nothing)."""
    for row in entries:
        if row.newer_than(rows.get(row.cid)):
            rows[row.cid] = row
    return rows


def pack_rows(rows: Iterable[Row]) -> bytes:
    return zlib.compress("\n".join(r.pack() for r in rows).encode(), 1)


def unpack_rows(blob: bytes | None) -> dict[str, Row]:
    if not blob:
        return {}
    return {r.cid: r for r in (Row.unpack(line) for line in zlib.decompress(blob).decode().split("\n") if line)}


def text_entry(cid: str, content: str) -> str:
    """One log entry of the text index: the item id and the grams of its content."""
    return cid + "\t" + " ".join(sorted(g for g in grams(content) if " " not in g))


def parse_text_entry(entry: str) -> tuple[str, set[str]]:
    cid, _, packed = entry.partition("\t")
    return cid[:CID_PREFIX], set(packed.split(" ")) if packed else set()


def pack_postings(postings: Mapping[str, set[str]]) -> bytes:
    return zlib.compress("\n".join(g + "\t" + " ".join(sorted(ids)) for g, ids in postings.items()).encode(), 1)


def unpack_postings(blob: bytes | None) -> dict[str, set[str]]:
    if not blob:
        return {}
    postings: dict[str, set[str]] = {}
    for line in zlib.decompress(blob).decode().split("\n"):
        gram, _, ids = line.partition("\t")
        if gram:
            postings[gram] = set(ids.split(" ")) if ids else set()
    return postings


def with_rev(row: Row, rev: int) -> Row:
    return replace(row, rev=rev)


def filtered_fields(row: Row) -> tuple[str, ...]:
    """The fields of a row the ledger filters on (a change of any of them is a new index entry)."""
    return (row.status, row.channel, row.category, row.handler, row.department, row.recorder, row.subjects)


def by_estate(entries: set[str]) -> dict[str, set[str]]:
    """``"<estate>\t<year>"`` entries of the ``periods`` log → estate → years."""
    found: dict[str, set[str]] = {}
    for entry in entries:
        estate, _, period = entry.partition("\t")
        found.setdefault(estate, set()).add(period)
    return found
