"""Mongo repository of the register: complaints (with outbox), per-estate day counters, estates,
and the query-side index kept in step with every state change.

Every read and write addresses one document by ``_id``: FerretDB 1.24 (SQLite) pushes down nothing
else. The status / redelivery guards of a write (``{"_id": …, "status": …}``) are handed to the shared
collection wrapper (``pm_common.collection``), which answers them by ``_id`` and checks the rest on the
document under its per-document lock on FerretDB, and sends them as they are to MongoDB (atomic).
Personal data lives in the ``pii`` field of each complaint and is excluded from every read except
``personal_data`` (used only by the audited reveal).
"""

from __future__ import annotations

import asyncio
import copy
import heapq
import time
from collections.abc import Iterable
from typing import Any

from pm_common.index_log import IndexLog
from pm_common.mongo import DuplicateKeyError, IndexModel, Mongo, ReturnDocument, new_with_outbox, with_outbox
from pm_intake.adapters import ledger_search
from pm_intake.adapters.ledger_index import INDEX, LedgerIndex
from pm_intake.adapters.stores import ensure_indexes
from pm_intake.domain.ledger import LedgerPage, LedgerQuery
from pm_intake.service_layer.ports import AlreadyExists, Event

COMPLAINTS = "complaints"
CLAIMS = "reference_claims"
_HIDE = {"outbox": 0, "outbox_pending": 0, "pii": 0}
OWNER_FIELDS = ("owner_key", "tracking_hash")
ESTATE_TTL = 10.0  # seconds an estate's settings are cached per process


class MongoComplaintRepository:
    def __init__(self, mongo: Mongo) -> None:
        self.mongo = mongo
        self.complaints = mongo.collection(COMPLAINTS)
        self.claims = mongo.collection(CLAIMS)
        self.estates = mongo.collection("estates")
        self.index = LedgerIndex(mongo)
        self.owners = IndexLog(mongo.collection(INDEX))  # ``o|<field>|<value>`` → complaint ids
        self._last_claim: dict[str, int] = {}
        self._released: dict[str, list[int]] = {}  # scope -> numbers claimed here, not used (a heap)
        self._estates: dict[str, tuple[float, dict[str, Any]]] = {}

    @staticmethod
    async def create_indexes(mongo: Mongo) -> None:
        await ensure_indexes(
            mongo.collection(COMPLAINTS),
            [
                IndexModel([("reference_no", 1)], unique=True, sparse=True),  # drafts have none yet
                IndexModel([("outbox_pending", 1)]),  # the outbox relay's (on MongoDB)
            ],
        )

    async def estate(self, estate_id: str) -> dict[str, Any] | None:
        """An estate's settings, cached for ``ESTATE_TTL`` seconds (read on every registration; changes
        made through another replica are seen within that time, through this one at once)."""
        cached = self._estates.get(estate_id)
        if cached is not None and cached[0] > time.monotonic():
            return copy.deepcopy(cached[1])
        estate = await self.estates.find_one({"_id": estate_id})
        if estate is not None:
            self._estates[estate_id] = (time.monotonic() + ESTATE_TTL, estate)
        return copy.deepcopy(estate)

    async def upsert_estate(self, estate: dict[str, Any]) -> None:
        await self.estates.update_one({"_id": estate["_id"]}, {"$set": estate}, upsert=True)
        self._estates.pop(estate["_id"], None)

    async def next_sequence(self, estate_id: str, day: str) -> int:
        """The next number of the estate's day. Each number is claimed by inserting ``<scope>:<n>``,
        atomic on MongoDB and FerretDB alike (FerretDB 1.x loses concurrent ``$inc``); the last one
        taken is found by ``_id`` probes, never by a query over the claims. Concurrent requests of this
        process each try their own number (reserved before the insert), so they never race each other;
        a number whose insert failed for another reason than a duplicate stays unused (a gap). A number
        claimed but not used (``release_sequence``: the request was refused or was a retry) is handed
        to the next registration of the scope in this process, lowest first."""
        scope = f"{estate_id}:{day}"
        if self._released.get(scope):  # claimed here before and not used: no round trip
            return heapq.heappop(self._released[scope])
        if scope not in self._last_claim:
            probed = await self._probe_claims(scope)
            self._last_claim[scope] = max(probed, self._last_claim.get(scope, 0))
        for _ in range(10_000):
            number = self._last_claim[scope] + 1
            self._last_claim[scope] = number
            try:
                await self.claims.insert_one(
                    {"_id": f"{scope}:{number:06d}", "scope": scope, "n": number}, grouped=True
                )
            except DuplicateKeyError:
                continue  # another replica took it: the next one
            return number
        raise RuntimeError(f"could not claim a reference number for {scope}")

    def release_sequence(self, estate_id: str, day: str, number: int) -> None:
        """A number ``next_sequence`` gave that no item got: its claim stays this process's to reuse."""
        heapq.heappush(self._released.setdefault(f"{estate_id}:{day}", []), number)

    async def announce(self, complaint_id: str, event_ids: list[str]) -> str:
        """The outbox pointer of a coming ``insert(…, announced=…)``, written ahead of it."""
        return await self.complaints.announce(complaint_id, event_ids)

    async def abandon(self, pointer: str) -> None:
        await self.complaints.abandon(pointer)

    async def _probe_claims(self, scope: str) -> int:
        async def exists(n: int) -> bool:
            return await self.claims.find_one({"_id": f"{scope}:{n:06d}"}, {"_id": 1}) is not None

        high = 1
        while await exists(high):
            high *= 2
        low = high // 2
        while high - low > 1:
            mid = (low + high) // 2
            low, high = (mid, high) if await exists(mid) else (low, mid)
        return low

    async def insert(self, document: dict[str, Any], events: list[Event], announced: str | None = None) -> None:
        """Insert a new item (its outbox pointer ``announced`` already, or written first) and index it,
        side by side: an index entry of an item that is not there is dropped by every reader (each page
        item is read by ``_id`` and checked), and the caller answers only once both are done."""
        stored = new_with_outbox(document, *events) if events else document
        done = await asyncio.gather(
            self.complaints.insert_one(stored, announced=announced, grouped=True),
            self._index_new(document),
            return_exceptions=True,
        )
        if isinstance(done[0], DuplicateKeyError):
            raise AlreadyExists(document["_id"]) from done[0]
        for result in done:
            if isinstance(result, BaseException):
                raise result

    async def _index_new(self, document: dict[str, Any]) -> None:
        owners = [f"o|{f}|{document[f]}" for f in OWNER_FIELDS if document.get(f)]
        await asyncio.gather(
            self.index.record(None, document), *(self.owners.append(k, [document["_id"]]) for k in owners)
        )

    async def ensure_indexed(self, complaint_id: str) -> None:
        """Index an item's current state again (idempotent): after a redelivery or an idempotent retry,
        so a crash between the item's write and its index entry is repaired by the retry."""
        doc = await self.get(complaint_id)
        if doc is not None:
            await self._index_new(doc)

    async def get(self, complaint_id: str) -> dict[str, Any] | None:
        return await self.complaints.find_one({"_id": complaint_id}, _HIDE)

    async def personal_data(self, complaint_id: str) -> dict[str, Any] | None:
        doc = await self.complaints.find_one({"_id": complaint_id}, {"pii": 1})
        return (doc or {}).get("pii")

    async def update(
        self,
        complaint_id: str,
        expected_status: str,
        update: dict[str, Any],
        events: list[Event],
        guard: dict[str, Any] | None = None,
    ) -> bool:
        """``guard``: further field values the write expects (equality; ``None`` also matches a missing field)."""
        where = {**(guard or {}), "_id": complaint_id, "status": expected_status}
        return await self._write(where, with_outbox(update, *events) if events else update)

    async def apply_downstream(
        self, complaint_id: str, event_id: str, expected_status: str, update: dict[str, Any]
    ) -> bool:
        merged = {op: dict(fields) for op, fields in update.items()}
        merged.setdefault("$push", {})["processed_events"] = event_id
        where = {"_id": complaint_id, "status": expected_status, "processed_events": {"$ne": event_id}}
        return await self._write(where, merged)

    async def _write(self, where: dict[str, Any], update: dict[str, Any]) -> bool:
        """One guarded single-document update with the next ``rev``; then the index entry.

        The guard is evaluated by ``pm_common.collection``: atomically in the filter on MongoDB, and on
        FerretDB (which would scan for a compound filter) on the document read by ``_id`` under the
        wrapper's per-document lock, then written by ``_id``."""
        merged = {op: dict(fields) for op, fields in update.items()}
        merged.setdefault("$inc", {})["rev"] = 1
        # no projection: FerretDB 1.24 does not implement one on findAndModify
        before = await self.complaints.find_one_and_update(where, merged, return_document=ReturnDocument.BEFORE)
        if before is None:
            return False
        after = await self.get(before["_id"])
        if after is not None:
            await self.index.record(before, after)
        return True

    async def for_owner(self, field: str, value: str) -> list[dict[str, Any]]:
        assert field in OWNER_FIELDS
        slots = await self.owners.tail(f"o|{field}|{value}", 0)
        ids = list(dict.fromkeys(cid for _, entries in slots for cid in entries))
        docs = await asyncio.gather(*(self.get(cid) for cid in ids))
        found = [d for d in docs if d is not None and d.get(field) == value]
        return sorted(found, key=lambda d: d["received_at"], reverse=True)[:200]

    async def search(self, query: LedgerQuery) -> LedgerPage:
        return await ledger_search.search(query, self.index, self.complaints)

    # ---- the bulk path (seeding, rebuilding the index) -------------------------------------
    async def bulk_insert(self, documents: list[dict[str, Any]], claims: Iterable[tuple[str, int]] = ()) -> None:
        """Insert many finished items (no events: historic data is not re-published) with their
        reference claims ``(scope, n)``, then index them the same way single writes are indexed."""
        await self.complaints.insert_many(documents, ordered=False)
        claim_docs = [{"_id": f"{scope}:{n:06d}", "scope": scope, "n": n} for scope, n in claims]
        if claim_docs:
            await self.claims.insert_many(claim_docs, ordered=False)
        await self.index_bulk(documents)

    async def index_bulk(self, documents: list[dict[str, Any]]) -> None:
        await self.index.bulk_record(documents)
        by_owner: dict[str, list[str]] = {}
        for doc in documents:
            for field in OWNER_FIELDS:
                if doc.get(field):
                    by_owner.setdefault(f"o|{field}|{doc[field]}", []).append(doc["_id"])
        await self.owners.append_many(by_owner)

    async def rebuild_index(self, batch: int = 2000) -> int:
        """Index every stored item again (one full pass; for data written before the index existed)."""
        done, chunk = 0, []
        async for doc in self.complaints.find({}, {"outbox": 0, "pii": 0, "timeline": 0}):
            chunk.append(doc)
            if len(chunk) >= batch:
                await self.index_bulk(chunk)
                done, chunk = done + len(chunk), []
        if chunk:
            await self.index_bulk(chunk)
        await self.index.compact_all()
        return done + len(chunk)
