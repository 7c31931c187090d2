"""Ledger search over the query-side index: candidate rows from the index (only ``_id`` reads),
then the page's items fetched by ``_id`` and checked against every filter, the text included."""

from __future__ import annotations

import asyncio
import bisect
import heapq
import itertools
from collections.abc import Iterator
from typing import Any

from pm_common.mongo import Collection
from pm_intake.adapters.ledger_index import LedgerIndex, RowView
from pm_intake.domain.ledger import (
    LedgerPage,
    LedgerQuery,
    cursor_after,
    matches,
    only_reader_filter,
    row_filter,
    to_ms,
)
from pm_intake.domain.ledger_index import Row, content_of, period_of, query_grams, row_key, row_of, text_key

LIST_PROJECTION = {"outbox": 0, "outbox_pending": 0, "pii": 0, "timeline": 0, "processed_events": 0}


async def search(query: LedgerQuery, index: LedgerIndex, complaints: Collection) -> LedgerPage:
    after = query.after()  # a bad cursor fails before any read
    if query.ids is not None:
        return await _by_ids(query, complaints)
    lists = await _candidates(query, index)  # per partition, in ledger order
    total = sum(len(rows) for rows in lists)
    skip = 0
    if after is not None:
        boundary = (-after.ts, after.cid)
        lists = [rows[bisect.bisect_right(rows, boundary, key=Row.sort_key) :] for rows in lists]
    else:
        skip = (query.page - 1) * query.page_size
    ordered = itertools.islice(heapq.merge(*lists, key=Row.sort_key), skip, None)
    docs, more = await _verified(ordered, query, complaints)
    next_cursor = cursor_after(row_of(docs[-1]), query) if docs and more else None
    exact = not query.text or len(query_grams(query.text)) <= 1  # one gram: the posting list is the answer
    return LedgerPage(docs, total, next_cursor, total_exact=exact)


async def _candidates(query: LedgerQuery, index: LedgerIndex) -> list[list[Row]]:
    grams = query_grams(query.text) if query.text else set()
    if query.text and not grams:
        return []
    # the partitions this process knows of are read while the partition list is checked for new ones
    known = _keys(query, index.known_periods())
    first = asyncio.gather(*(_partition(index, e, p, grams) for e, p in known))
    current, results = await asyncio.gather(index.periods(), first)
    new = [k for k in _keys(query, current) if k not in set(known)]
    results += await asyncio.gather(*(_partition(index, e, p, grams) for e, p in new))
    keep = row_filter(query)
    reader_only = only_reader_filter(query)
    found: list[list[Row]] = []
    for view, postings in results:
        if postings is None:
            if keep is None or (reader_only and query.hidden_from not in view.named):
                found.append(view.ordered)
            else:
                found.append([r for r in view.ordered if keep(r)])
            continue
        having = set.intersection(*postings.values())
        rows = (r for p in having for r in view.by_prefix.get(p, ()))
        found.append(sorted((r for r in rows if keep is None or keep(r)), key=Row.sort_key))
    return found


def _keys(query: LedgerQuery, periods: dict[str, set[str]]) -> list[tuple[str, str]]:
    return [
        (estate, p)
        for estate, years in sorted(periods.items())
        if query.estates is None or estate in query.estates
        for p in sorted(years)
        if _period_in_range(p, query)
    ]


async def _partition(
    index: LedgerIndex, estate: str, period: str, grams: set[str]
) -> tuple[RowView, dict[str, set[str]] | None]:
    if not grams:
        return await index.rows(row_key(estate, period)), None
    view, postings = await asyncio.gather(
        index.rows(row_key(estate, period)), index.postings(text_key(estate, period), grams)
    )
    return view, postings


def _period_in_range(period: str, query: LedgerQuery) -> bool:
    if query.date_from and period < period_of(to_ms(query.date_from)):
        return False
    return not (query.date_to and period > period_of(to_ms(query.date_to)))


async def _verified(
    ordered: Iterator[Row], query: LedgerQuery, complaints: Collection
) -> tuple[list[dict[str, Any]], bool]:
    """The first ``page_size`` candidates whose stored item still matches (the index may be a step
    behind a concurrent change, or a multi-gram text query may match non-adjacent characters), and
    whether candidates remain after them."""
    page: list[dict[str, Any]] = []
    pending = list(itertools.islice(ordered, query.page_size))
    while pending:
        docs = await asyncio.gather(*(complaints.find_one({"_id": r.cid}, LIST_PROJECTION) for r in pending))
        page += [d for d in docs if d is not None and matches(row_of(d), query, content_of(d))]
        pending = list(itertools.islice(ordered, query.page_size - len(page)))
    return page, next(ordered, None) is not None


async def _by_ids(query: LedgerQuery, complaints: Collection) -> LedgerPage:
    ids = list(dict.fromkeys(query.ids or ()))
    docs = await asyncio.gather(*(complaints.find_one({"_id": i}, LIST_PROJECTION) for i in ids))
    found = sorted(
        (d for d in docs if d is not None and matches(row_of(d), query, content_of(d))),
        key=lambda d: row_of(d).sort_key(),
    )
    start = (query.page - 1) * query.page_size
    return LedgerPage(found[start : start + query.page_size], len(found), None)
