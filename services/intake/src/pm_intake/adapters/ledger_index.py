"""The ledger's query-side index in Mongo (collection ``ledger_index``), built on ``IndexLog``:

- rows ``r|<estate>|<year>``: one packed row per item state change; snapshot ``{upto, rows}``;
- text ``t|<estate>|<year>``: one entry per item content (its grams); snapshots in shards
  ``t|<estate>|<year>|<shard>`` = ``{upto, p}`` (gram → id prefixes), so a query reads one shard
  per query gram;
- periods ``periods``: which ``(estate, year)`` partitions exist.

Snapshots hold zlib-packed text (FerretDB decodes one binary value much faster than many fields).
Entries are idempotent: replaying one (redelivery, retry, bulk re-run) changes nothing.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import Any

from bson import Binary

from pm_common.index_log import IndexLog
from pm_common.mongo import Mongo
from pm_intake.adapters.text_compaction import TextCompaction
from pm_intake.domain.ledger_index import (
    CID_PREFIX,
    TEXT_SHARDS,
    Row,
    by_estate,
    content_of,
    filtered_fields,
    merge_rows,
    pack_rows,
    parse_text_entry,
    period_of,
    row_key,
    row_of,
    shard_of,
    text_entry,
    text_key,
    text_key_of,
    unpack_postings,
    unpack_rows,
)

PERIODS = "periods"
log = logging.getLogger(__name__)

INDEX = "ledger_index"


class RowView:
    """This process's merged state of one row log up to slot ``upto``: rows by id, in ledger order,
    and by the id prefix the text postings use. Never changed once built (a newer one replaces it)."""

    __slots__ = ("by_prefix", "named", "ordered", "rows", "upto")

    def __init__(self, upto: int, rows: dict[str, Row]) -> None:
        self.upto = upto
        self.rows = rows
        self.ordered = sorted(rows.values(), key=Row.sort_key)
        self.by_prefix: dict[str, list[Row]] = {}
        for cid, row in rows.items():
            self.by_prefix.setdefault(cid[:CID_PREFIX], []).append(row)
        # the staff some item of this log is about (被投诉人): a reader not among them skips the filter
        self.named = frozenset(s for row in rows.values() if row.subjects for s in row.subjects.split(" "))


_BULK_CHUNK = 4000  # entries per slot on the bulk path (well below the 16 MiB document limit)


class LedgerIndex:
    def __init__(self, mongo: Mongo, compact_every: int = 64) -> None:
        self.collection = mongo.collection(INDEX)
        self.log = IndexLog(self.collection, compact_every, keep_own=True)  # compaction re-reads no own slot
        self._periods: set[str] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self._scheduled: set[str] = set()
        # this process's merged view of each row log. Logs only grow, so a view plus the slots after
        # its ``upto`` is always the current state: a read costs one probe.
        self._views: dict[str, RowView] = {}
        self._period_view: tuple[int, set[str]] = (0, set())
        self._shards: dict[str, tuple[int, dict[str, set[str]]]] = {}  # text shard snapshots read
        # text slots read, all of those after ``low``: key → (low, slot → [(id prefix, grams)])
        self._text_slots: dict[str, tuple[int, dict[int, list[tuple[str, set[str]]]]]] = {}
        self._text = TextCompaction(self.collection, self.log)

    # ---- writing -------------------------------------------------------------------------
    async def record(self, before: Mapping[str, Any] | None, after: Mapping[str, Any]) -> None:
        """Index the new state of an item; nothing is written when no indexed field changed."""
        row = row_of(after)
        period = period_of(row.ts)
        writes = [self._ensure_period(row.estate, period)]
        if before is None or filtered_fields(row_of(before)) != filtered_fields(row):
            writes.append(self._append_rows(row_key(row.estate, period), [row.pack()]))
        if before is None or content_of(before) != content_of(after):
            writes.append(self._append_text(text_key(row.estate, period), [text_entry(row.cid, content_of(after))]))
        await asyncio.gather(*writes)

    async def bulk_record(self, docs: Iterable[Mapping[str, Any]]) -> None:
        """The bulk path (seeding, rebuilds): the same entries as ``record``, many per slot."""
        rows: dict[str, list[str]] = defaultdict(list)
        texts: dict[str, list[str]] = defaultdict(list)
        for doc in docs:
            row = row_of(doc)
            period = period_of(row.ts)
            await self._ensure_period(row.estate, period)
            rows[row_key(row.estate, period)].append(row.pack())
            texts[text_key(row.estate, period)].append(text_entry(row.cid, content_of(doc)))
        for key, entries in rows.items():
            for i in range(0, len(entries), _BULK_CHUNK):
                await self._append_rows(key, entries[i : i + _BULK_CHUNK])
        for key, entries in texts.items():
            for i in range(0, len(entries), _BULK_CHUNK):
                await self._append_text(key, entries[i : i + _BULK_CHUNK])

    async def _ensure_period(self, estate: str, period: str) -> None:
        entry = f"{estate}\t{period}"
        if entry in self._periods:
            return
        self._periods.update(await self._read_periods())
        if entry not in self._periods:
            await self.log.append(PERIODS, [entry])
            self._periods.add(entry)

    async def _append_rows(self, key: str, entries: list[str]) -> None:
        slot = await self.log.append(key, entries)
        if not self.log.knows_compaction(key):  # this process's first append: learn the snapshot first
            self._background(key, lambda: self.rows(key))
        elif self.log.due(key, slot):
            self._background(key, lambda: self._rows(key, write=True))

    async def _append_text(self, key: str, entries: list[str]) -> None:
        slot = await self.log.append(key, entries)
        if not self.log.knows_compaction(key):  # else each process start re-compacted all 256 shards
            self._background(key, lambda: self._learn_text_compaction(key))
        elif self.log.due(key, slot):
            self._background(key, lambda: self._compact_text(key))

    async def _learn_text_compaction(self, key: str) -> None:
        """How far ``key``'s text snapshots reach: the last compaction's marker (else shard 0's coverage)."""
        marker = await self.collection.find_one({"_id": f"{key}|upto"}) or await self.collection.find_one(
            {"_id": f"{key}|000"}, {"upto": 1}
        )
        self.log.note_compacted(key, int(marker["upto"]) if marker else 0)

    def _background(self, key: str, compact: Callable[[], Awaitable[object]]) -> None:
        """Compaction off the writer's path (any process may do it; a lost one is redone later)."""
        if key in self._scheduled:
            return
        self._scheduled.add(key)

        async def run() -> None:
            try:
                await self.log.compact_once(key, compact)
            except Exception as exc:
                log.warning("compaction of %s failed: %s", key, type(exc).__name__)
            finally:
                self._scheduled.discard(key)

        task = asyncio.create_task(run())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def settle(self) -> None:
        """Wait for the compactions started so far (the bulk path, tests)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks))

    # ---- reading -------------------------------------------------------------------------
    async def _read_periods(self) -> set[str]:
        upto, known = self._period_view
        if not upto:
            snap = await self.collection.find_one({"_id": PERIODS})
            upto, known = (int(snap["upto"]), set(snap["entries"])) if snap else (0, set())
        tail = await self.log.tail(PERIODS, upto)
        if tail:
            known = known | {e for _, entries in tail for e in entries}
            upto = tail[-1][0]
            if len(tail) >= 8:
                await self.collection.replace_one(
                    {"_id": PERIODS}, {"upto": upto, "entries": sorted(known)}, upsert=True
                )
        self._period_view = (upto, known)
        return known

    def known_periods(self) -> dict[str, set[str]]:
        """The partitions this process has seen so far (no I/O; ``periods`` has the current list)."""
        return by_estate(self._period_view[1])

    async def periods(self) -> dict[str, set[str]]:
        """Estate → the years it has items in."""
        return by_estate(await self._read_periods())

    async def rows(self, key: str) -> RowView:
        return await self._rows(key, write=False)

    async def _rows(self, key: str, *, write: bool) -> RowView:
        """The current rows of ``key``; ``write`` also folds the log into the snapshot document."""
        view = self._views.get(key)
        if view is None:
            snap = await self.collection.find_one({"_id": key})
            view = RowView(int(snap["upto"]), unpack_rows(snap["rows"])) if snap else RowView(0, {})
            self.log.note_compacted(key, view.upto)
        tail = await self.log.tail(key, view.upto)
        if tail:
            rows = merge_rows(dict(view.rows), (Row.unpack(e) for _, entries in tail for e in entries))
            view = RowView(tail[-1][0], rows)
        self._views[key] = view
        self.log.note_size(key, len(view.rows))
        self.log.note_size(text_key_of(key), len(view.rows))  # one text entry per item of the partition
        if write or len(tail) >= self.log.interval(key):
            snap = await self.collection.find_one({"_id": key}, {"upto": 1})
            if snap is None or int(snap["upto"]) < view.upto:
                doc = {"upto": view.upto, "rows": Binary(pack_rows(view.rows.values()))}
                await self.collection.replace_one({"_id": key}, doc, upsert=True)
            self.log.note_compacted(key, view.upto)
        return view

    async def warm(self) -> int:
        """Load every row view once (at start-up), so the first staff query does not pay for it."""
        keys = [row_key(e, p) for e, periods in (await self.periods()).items() for p in periods]
        views = await asyncio.gather(*(self.rows(k) for k in keys))
        return sum(len(v.rows) for v in views)

    async def postings(self, key: str, grams: set[str]) -> dict[str, set[str]]:
        """Gram → id prefixes (``CID_PREFIX`` hex digits) of the items of ``key`` having it.

        Shard snapshots and the log slots read after them are kept in this process: a snapshot plus
        the slots after its ``upto`` is the current state, so a repeated query costs one probe for
        new slots. When the kept slots grow long, the snapshots are read afresh (compaction has
        folded those slots into them) and the slots dropped."""
        low, slots = self._text_slots.get(key, (0, {}))
        if len(slots) > 4 * self.log.interval(key):
            low, slots = 0, {}
            for shard in range(TEXT_SHARDS):
                self._shards.pop(f"{key}|{shard:03d}", None)
        needed = sorted({shard_of(g) for g in grams})
        missing = [s for s in needed if f"{key}|{s:03d}" not in self._shards]
        snaps = await asyncio.gather(*(self.collection.find_one({"_id": f"{key}|{s:03d}"}) for s in missing))
        for shard, snap in zip(missing, snaps, strict=True):
            upto = int(snap["upto"]) if snap else 0
            self._shards[f"{key}|{shard:03d}"] = (upto, unpack_postings(snap["p"] if snap else None))
        base = {s: self._shards[f"{key}|{s:03d}"] for s in needed}
        start = min(upto for upto, _ in base.values())
        if start < low or not slots:  # the kept slots must run without a gap from ``start``
            low, slots = start, {}
        for n, entries in await self.log.tail(key, max(slots, default=low)):
            slots[n] = [parse_text_entry(e) for e in entries]
        self._text_slots[key] = (low, slots)
        found: dict[str, set[str]] = {}
        for gram in grams:
            upto, stored = base[shard_of(gram)]
            found[gram] = set(stored.get(gram, ()))
            for n, parsed in slots.items():
                if n > upto:
                    found[gram].update(prefix for prefix, has in parsed if gram in has)
        return found

    async def _compact_text(self, key: str) -> None:
        await self._text.compact(key)

    async def compact_all(self) -> None:
        """Fold every log into its snapshot (after a bulk load)."""
        await self.settle()
        for estate, periods in (await self.periods()).items():
            for period in periods:
                await self._rows(row_key(estate, period), write=True)
                await self._compact_text(text_key(estate, period))
