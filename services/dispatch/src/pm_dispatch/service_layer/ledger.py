"""The ledger (台账): filters, counts per status, keyset pages and exports over the ledger rows.

Rows come from the ledger index (keyed logs read by ``_id``); the page's tasks are then read by
``_id`` and checked again against the filters with their stored state, so a row that lags behind
its task never shows a task in the wrong place. Staff see their estates; handlers and contractors
only the tasks assigned to them."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, replace
from datetime import datetime

from pm_common.subjects import is_subject
from pm_dispatch.domain.access import OWN_TASKS_ONLY, Actor
from pm_dispatch.domain.ledger import LedgerFilter, Row, counts, encode_cursor, page, row_of
from pm_dispatch.domain.task import Task
from pm_dispatch.service_layer.ports import LedgerRows, TaskRepository

EXPORT_LIMIT = 50_000


@dataclass(frozen=True)
class LedgerPage:
    items: list[Task]
    counts: dict[str, int]
    total: int
    next_cursor: str | None


def scoped(actor: Actor, flt: LedgerFilter) -> tuple[tuple[str, ...], LedgerFilter]:
    """The estates to read and the filter narrowed to what the actor may see."""
    if actor.role in OWN_TASKS_ONLY:
        flt = replace(flt, only_handler=actor.id)
    if flt.estate is not None:
        return ((flt.estate,) if actor.serves(flt.estate) else ()), flt
    return actor.estates, flt


async def _rows(index: LedgerRows, actor: Actor, flt: LedgerFilter) -> tuple[list[Row], LedgerFilter]:
    estates, flt = scoped(actor, flt)
    rows = await index.rows(estates) if estates else []
    return [
        r for r in rows if actor.serves(r.estate) and not (r.subjects and is_subject(actor.id, r.subjects.split()))
    ], flt


async def _load(repo: TaskRepository, rows: list[Row], flt: LedgerFilter, now: datetime) -> list[Task]:
    tasks = await asyncio.gather(*(repo.get(r.id) for r in rows))
    return [t for t in tasks if t is not None and flt.matches(row_of(t), now)]


async def query(
    index: LedgerRows,
    repo: TaskRepository,
    actor: Actor,
    flt: LedgerFilter,
    now: datetime,
    limit: int,
    cursor: str | None,
) -> LedgerPage:
    rows, flt = await _rows(index, actor, flt)
    matching, selected = page(rows, flt, now, limit, cursor)
    more = bool(selected) and matching.index(selected[-1]) < len(matching) - 1
    next_cursor = encode_cursor(selected[-1], flt) if more else None
    counted = counts([r for r in rows if replace(flt, status=None).matches(r, now)])
    return LedgerPage(await _load(repo, selected, flt, now), counted, len(matching), next_cursor)


async def export_tasks(
    index: LedgerRows, repo: TaskRepository, actor: Actor, flt: LedgerFilter, now: datetime
) -> list[Task]:
    rows, flt = await _rows(index, actor, flt)
    matching, _ = page(rows, flt, now, EXPORT_LIMIT, None)
    out: list[Task] = []
    for i in range(0, min(len(matching), EXPORT_LIMIT), 200):
        out.extend(await _load(repo, matching[i : i + 200], flt, now))
    return out
