"""Ledger search over the query-side index: candidate rows from the index (only ``_id`` reads),
then the page's items fetched by ``_id`` and checked against every filter, the text included."""

from __future__ import annotations

import asyncio
from typing import Any

from pm_common.mongo import Collection
from pm_intake.adapters.ledger_index import LedgerIndex
from pm_intake.domain.ledger import LedgerPage, LedgerQuery, cursor_after, matches, remaining, to_ms
from pm_intake.domain.ledger_index import CID_PREFIX, Row, content_of, period_of, query_grams, row_key, row_of, text_key

LIST_PROJECTION = {"outbox": 0, "outbox_pending": 0, "pii": 0, "timeline": 0, "processed_events": 0}


async def search(query: LedgerQuery, index: LedgerIndex, complaints: Collection) -> LedgerPage:
    query.after()  # a bad cursor fails before any read
    if query.ids is not None:
        return await _by_ids(query, complaints)
    candidates = await _candidates(query, index)
    total = len(candidates)
    candidates = remaining(candidates, query)
    docs, last = await _verified(candidates, query, complaints)
    next_cursor = None
    if docs and last is not None and last < len(candidates) - 1:
        next_cursor = cursor_after(row_of(docs[-1]), query)
    exact = not query.text or len(query_grams(query.text)) <= 1  # one gram: the posting list is the answer
    return LedgerPage(docs, total, next_cursor, total_exact=exact)


async def _candidates(query: LedgerQuery, index: LedgerIndex) -> list[Row]:
    keys: list[tuple[str, str]] = []
    for estate, periods in (await index.periods()).items():
        if query.estates is not None and estate not in query.estates:
            continue
        keys.extend((estate, p) for p in periods if _period_in_range(p, query))
    row_sets = await asyncio.gather(*(index.rows(row_key(e, p)) for e, p in keys))
    if not query.text:
        return [r for rows in row_sets for r in rows.values() if matches(r, query)]
    grams = query_grams(query.text)
    if not grams:
        return []
    posting_sets = await asyncio.gather(*(index.postings(text_key(e, p), grams) for e, p in keys))
    found: list[Row] = []
    for rows, postings in zip(row_sets, posting_sets, strict=True):
        having = set.intersection(*postings.values())
        found.extend(r for r in rows.values() if r.cid[:CID_PREFIX] in having and matches(r, query))
    return found


def _period_in_range(period: str, query: LedgerQuery) -> bool:
    if query.date_from and period < period_of(to_ms(query.date_from)):
        return False
    return not (query.date_to and period > period_of(to_ms(query.date_to)))


async def _verified(
    candidates: list[Row], query: LedgerQuery, complaints: Collection
) -> tuple[list[dict[str, Any]], int | None]:
    """The first ``page_size`` candidates whose stored item still matches (the index may be a step
    behind a concurrent change, or a multi-gram text query may match non-adjacent characters)."""
    page: list[dict[str, Any]] = []
    last: int | None = None
    start = 0
    while len(page) < query.page_size and start < len(candidates):
        batch = candidates[start : start + query.page_size - len(page) + 2]
        docs = await asyncio.gather(*(complaints.find_one({"_id": r.cid}, LIST_PROJECTION) for r in batch))
        for offset, doc in enumerate(docs):
            if doc is not None and matches(row_of(doc), query, content_of(doc)) and len(page) < query.page_size:
                page.append(doc)
                last = start + offset
        start += len(batch)
    return page, last


async def _by_ids(query: LedgerQuery, complaints: Collection) -> LedgerPage:
    ids = list(dict.fromkeys(query.ids or ()))
    docs = await asyncio.gather(*(complaints.find_one({"_id": i}, LIST_PROJECTION) for i in ids))
    found = sorted(
        (d for d in docs if d is not None and matches(row_of(d), query, content_of(d))),
        key=lambda d: row_of(d).sort_key(),
    )
    start = (query.page - 1) * query.page_size
    return LedgerPage(found[start : start + query.page_size], len(found), None)
