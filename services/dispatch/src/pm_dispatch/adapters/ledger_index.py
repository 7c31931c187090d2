"""The ledger's query side in Mongo (collection ``task_ledger``), on ``pm_common.index_log``:

- ``tl|<estate>``: a log of packed rows (one per task save); snapshot ``snap|tl|<estate>`` =
  ``{upto, rows}`` (zlib-packed) written when the log grew ``IndexLog.interval`` slots past it;
- ``tl-estates``: the estates that have tasks.

Every read and write is an ``_id`` equality (all FerretDB 1.24 pushes down). A process keeps its
merged view of each log and reads only the slots after it, so a repeated query costs one probe.
Rows are idempotent (highest ``rev`` wins), so a replayed append changes nothing.
"""

from __future__ import annotations

import asyncio
import zlib

from bson import Binary

from pm_common.index_log import IndexLog
from pm_common.mongo import Mongo
from pm_dispatch.domain.ledger import OPEN_STATUSES, Row, merge

INDEX = "task_ledger"
ESTATES = "tl-estates"


def _key(estate: str) -> str:
    return f"tl|{estate}"


class LedgerIndex:
    def __init__(self, mongo: Mongo, compact_every: int = 64) -> None:
        self.collection = mongo.collection(INDEX)
        self.log = IndexLog(self.collection, compact_every)
        self._views: dict[str, tuple[int, dict[str, Row]]] = {}
        self._estates: tuple[int, set[str]] = (0, set())

    async def record(self, row: Row) -> None:
        if row.estate not in self._estates[1] and row.estate not in await self.estates():
            await self.log.append(ESTATES, [row.estate])
            self._estates = (self._estates[0], self._estates[1] | {row.estate})
        await self.log.append(_key(row.estate), [row.pack()])

    async def estates(self) -> list[str]:
        upto, known = self._estates
        tail = await self.log.tail(ESTATES, upto)
        if tail:
            known = known | {e for _, entries in tail for e in entries}
            upto = tail[-1][0]
        self._estates = (upto, known)
        return sorted(known)

    async def rows(self, estates: tuple[str, ...]) -> list[Row]:
        """The current rows of the given estates (``("*",)``: every estate)."""
        wanted = await self.estates() if "*" in estates else list(estates)
        views = await asyncio.gather(*(self._rows(e) for e in wanted))
        return [row for view in views for row in view.values()]

    async def _rows(self, estate: str) -> dict[str, Row]:
        key = _key(estate)
        view = self._views.get(key)
        if view is None:
            snap = await self.collection.find_one({"_id": "snap|" + key})
            view = (int(snap["upto"]), _unpack(snap["rows"])) if snap else (0, {})
            self.log.note_compacted(key, view[0])
        upto, rows = view
        tail = await self.log.tail(key, upto)
        if tail:
            rows = merge(dict(rows), [Row.unpack(e) for _, entries in tail for e in entries])
            upto = tail[-1][0]
            self.log.note_size(key, len(rows))  # the snapshot is rewritten whole: every 1/8 of its size
            if self.log.due(key, upto):
                await self.log.compact_once(key, lambda: self._snapshot(key, upto, rows))
        self._views[key] = (upto, rows)
        return rows

    async def _snapshot(self, key: str, upto: int, rows: dict[str, Row]) -> None:
        snap = await self.collection.find_one({"_id": "snap|" + key}, {"upto": 1})
        if snap is None or int(snap["upto"]) < upto:
            doc = {"upto": upto, "rows": Binary(zlib.compress("\n".join(r.pack() for r in rows.values()).encode(), 1))}
            await self.collection.replace_one({"_id": "snap|" + key}, doc, upsert=True)
        self.log.note_compacted(key, upto)

    async def open_counts(self, person_ids: list[str]) -> dict[str, int]:
        """``WorkloadPort``: open tasks per person, over every estate."""
        wanted = set(person_ids)
        counts = dict.fromkeys(person_ids, 0)
        for row in await self.rows(("*",)):
            if row.handler in wanted and row.status in OPEN_STATUSES:
                counts[row.handler] += 1
        return counts


def _unpack(blob: bytes | None) -> dict[str, Row]:
    if not blob:
        return {}
    return {r.id: r for r in (Row.unpack(line) for line in zlib.decompress(blob).decode().split("\n") if line)}
