"""Mongo repository of the register: complaints (with outbox), per-estate day counters, estates,
and the query-side index kept in step with every state change.

Every read and write addresses one document by ``_id`` alone: FerretDB 1.24 (SQLite) pushes down
nothing else, so a filter such as ``{"_id": …, "status": …}`` would decode every stored item. The
status / redelivery guards are therefore checked on the document just read, under a per-item lock
of this process; on MongoDB the guard is also part of the update filter (atomic across replicas).
Personal data lives in the ``pii`` field of each complaint and is excluded from every read except
``personal_data`` (used only by the audited reveal).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from typing import Any

from pm_common.index_log import IndexLog
from pm_common.mongo import DuplicateKeyError, IndexModel, KeyedLocks, Mongo, PyMongoError, new_with_outbox, with_outbox
from pm_intake.adapters import ledger_search
from pm_intake.adapters.ledger_index import INDEX, LedgerIndex
from pm_intake.adapters.stores import ensure_indexes
from pm_intake.domain.ledger import LedgerPage, LedgerQuery
from pm_intake.service_layer.ports import AlreadyExists, Event

COMPLAINTS = "complaints"
CLAIMS = "reference_claims"
_HIDE = {"outbox": 0, "outbox_pending": 0, "pii": 0}
OWNER_FIELDS = ("owner_key", "tracking_hash")


class MongoComplaintRepository:
    def __init__(self, mongo: Mongo) -> None:
        self.mongo = mongo
        self.complaints = mongo.collection(COMPLAINTS)
        self.claims = mongo.collection(CLAIMS)
        self.estates = mongo.collection("estates")
        self.index = LedgerIndex(mongo)
        self.owners = IndexLog(mongo.collection(INDEX))  # ``o|<field>|<value>`` → complaint ids
        self._last_claim: dict[str, int] = {}
        self._locks = KeyedLocks()

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
        return await self.estates.find_one({"_id": estate_id})

    async def upsert_estate(self, estate: dict[str, Any]) -> None:
        await self.estates.update_one({"_id": estate["_id"]}, {"$set": estate}, upsert=True)

    async def next_sequence(self, estate_id: str, day: str) -> int:
        """The next number of the estate's day. Each number is claimed by inserting ``<scope>:<n>``,
        atomic on MongoDB and FerretDB alike (FerretDB 1.x loses concurrent ``$inc``); the last one
        taken is found by ``_id`` probes, never by a query over the claims."""
        scope = f"{estate_id}:{day}"
        number = self._last_claim.get(scope) or await self._probe_claims(scope)
        for _ in range(10_000):
            number += 1
            try:
                await self.claims.insert_one({"_id": f"{scope}:{number:06d}", "scope": scope, "n": number})
            except DuplicateKeyError:
                continue  # someone else took it: the next one
            self._last_claim[scope] = number
            return number
        raise RuntimeError(f"could not claim a reference number for {scope}")

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

    async def insert(self, document: dict[str, Any], events: list[Event]) -> None:
        try:
            await self.complaints.insert_one(new_with_outbox(document, *events) if events else document)
        except DuplicateKeyError as exc:
            raise AlreadyExists(document["_id"]) from exc
        await self._index_new(document)

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
        self, complaint_id: str, expected_status: str, update: dict[str, Any], events: list[Event]
    ) -> bool:
        async with self._locks.hold(complaint_id):
            before = await self.get(complaint_id)
            if before is None or before["status"] != expected_status:
                return False
            return await self._write(before, with_outbox(update, *events) if events else update)

    async def apply_downstream(
        self, complaint_id: str, event_id: str, expected_status: str, update: dict[str, Any]
    ) -> bool:
        async with self._locks.hold(complaint_id):
            before = await self.get(complaint_id)
            if before is None or before["status"] != expected_status or event_id in before.get("processed_events", []):
                return False
            merged = {op: dict(fields) for op, fields in update.items()}
            merged.setdefault("$push", {})["processed_events"] = event_id
            return await self._write(before, merged)

    async def _write(self, before: dict[str, Any], update: dict[str, Any]) -> bool:
        """One single-document update by ``_id`` with the next ``rev``; then the index entry."""
        merged = {op: dict(fields) for op, fields in update.items()}
        rev = int(before.get("rev") or 0)
        merged.setdefault("$set", {})["rev"] = rev + 1
        where: dict[str, Any] = {"_id": before["_id"]}
        if await self._guards_are_atomic():
            where.update(status=before["status"], rev=before.get("rev"))
        result = await self.complaints.update_one(where, merged)
        if result.modified_count != 1:
            return False
        after = await self.get(before["_id"])
        if after is not None:
            await self.index.record(before, after)
        return True

    async def _guards_are_atomic(self) -> bool:
        """MongoDB applies a compound filter atomically and through its indexes; FerretDB 1.x would scan."""
        try:
            return not await self.complaints.is_ferretdb()
        except PyMongoError:
            return False

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
