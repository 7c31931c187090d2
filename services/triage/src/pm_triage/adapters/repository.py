"""Mongo state of triage: one record per complaint (with outbox), answers, supervisor reviews.

Writers never read-modify-write one document concurrently (FerretDB would lose updates): a triage
record is inserted once; answers and reviews are their own documents under unique keys.

The two lookups of every triage — the household's earlier items and the first report of the same
fault — read append-only keyed logs (``pm_common.index_log``, collection ``triage_index``: one log
per household, one per fault key and day) and then the records by ``_id``. On FerretDB anything but
``_id`` equality scans every record ever stored; these cost what the household or the fault has.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Any

from pm_common import topics
from pm_common.events import Envelope
from pm_common.index_log import IndexLog
from pm_common.lru import Lru
from pm_common.mongo import IndexModel, Mongo, insert_once, new_with_outbox
from pm_triage.domain.duplicates import EarlierItem
from pm_triage.domain.sla import SlaPolicy

TRIAGES = "triages"
REVIEWS = "reviews"
ANSWERS = "answers"
INDEX = "triage_index"
_HIDE = {"outbox": 0, "outbox_pending": 0}
_KEPT_LOGS = 2_000  # household and fault-day logs whose ids this process keeps
_KEPT_FACTS = 20_000  # items of fault logs whose fixed fields this process keeps


class MongoTriageRepository:
    def __init__(self, mongo: Mongo) -> None:
        self.triages = mongo.collection(TRIAGES)
        self.reviews = mongo.collection(REVIEWS)
        self.answers = mongo.collection(ANSWERS)
        self.index = IndexLog(mongo.collection(INDEX))
        self._read: Lru[str, tuple[int, list[str]]] = Lru(_KEPT_LOGS)  # log key -> (last slot read, ids)
        self._facts: Lru[str, dict[str, Any]] = Lru(_KEPT_FACTS)  # fault-log item -> its fixed fields

    @staticmethod
    async def create_indexes(mongo: Mongo) -> None:
        await mongo.collection(TRIAGES).create_indexes(
            [
                IndexModel([("estate_id", 1), ("triaged_at", -1)]),
                IndexModel([("household", 1), ("received_at", -1)]),
                IndexModel([("fault_key", 1), ("received_at", 1)]),
                IndexModel([("decision", 1), ("estate_id", 1)]),
                IndexModel([("awaiting_review", 1), ("estate_id", 1)], sparse=True),
                IndexModel([("outbox_pending", 1)]),
            ]
        )
        await mongo.collection(REVIEWS).create_indexes(
            [IndexModel([("estate_id", 1), ("reviewed_at", -1)]), IndexModel([("outbox_pending", 1)])]
        )

    async def policy(self, estate_id: str) -> SlaPolicy:
        """The proposal's policy: the ``pm_common.sla`` defaults. An estate's own policy lives in the
        SLA monitor (``/v1/estates/{id}/sla-policy``, port 8004), which computes its clocks from it."""
        return SlaPolicy()

    async def add_once(self, document: dict[str, Any], event: Envelope | None) -> bool:
        """One record per complaint; with its ``complaint.triaged`` in the outbox unless ``event`` is None.

        The record is then entered in the household and fault logs, also on a redelivery (a crash may
        have come in between; readers ignore an id entered twice)."""
        if event is None:
            added = await insert_once(self.triages, document)
        else:
            added = await insert_once(self.triages, new_with_outbox(document, (topics.COMPLAINT_TRIAGED, event)))
        cid, at = str(document["_id"]), document.get("received_at")
        if document.get("household"):
            await self.index.append(_household_log(document["household"]), [cid])
        if document.get("fault_key") and isinstance(at, datetime):
            await self.index.append(_fault_log(document["fault_key"], at), [cid])
        return added

    async def get(self, complaint_id: str) -> dict[str, Any] | None:
        return await self.triages.find_one({"_id": complaint_id}, _HIDE)

    async def apply_subjects(self, complaint_id: str, staff_ids: tuple[str, ...], revision: int) -> bool:
        """The record's subjects of ``revision`` unless it holds a newer one (``subjects_revision``;
        absent: those of ``complaint.received``, revision 0). One by-``_id`` update guarded by the
        revision read, retried when another writer changed it in between."""
        for _ in range(20):
            doc = await self.triages.find_one({"_id": complaint_id}, {"subjects_revision": 1})
            if doc is None or int(doc.get("subjects_revision") or 0) >= revision:
                return False
            guard = {"_id": complaint_id, "subjects_revision": doc.get("subjects_revision")}
            update = {"$set": {"subject_staff_ids": list(staff_ids), "subjects_revision": revision}}
            if (await self.triages.update_one(guard, update)).modified_count:
                return True
        raise RuntimeError(f"could not apply the subjects of {complaint_id}")

    async def _ids(self, key: str) -> list[str]:
        """The ids in ``key``'s log. Slots never change once written, so this process keeps what it
        read and fetches only the slots after it (a burst of one fault re-read the whole day's log
        for every report)."""
        upto, ids = self._read.get(key) or (0, [])
        tail = await self.index.tail(key, upto)
        if tail:
            ids = ids + [e for _, entries in tail for e in entries]
            upto = tail[-1][0]
        self._read.put(key, (upto, ids))
        return ids

    async def _logged(self, keys: list[str], exclude: str, fields: dict[str, int]) -> list[dict[str, Any]]:
        ids: list[str] = []
        for key in keys:
            ids += [e for e in await self._ids(key) if e != exclude and e not in ids]
        docs = await asyncio.gather(*(self.triages.find_one({"_id": i}, {**fields, "received_at": 1}) for i in ids))
        return [d for d in docs if d is not None]

    async def _fault_facts(self, keys: list[str], exclude: str) -> list[dict[str, Any]]:
        """``received_at``, ``household`` and ``decision`` of the items in the fault logs ``keys``: set
        when a record is inserted and never changed, so each is read once per process."""
        logged: list[str] = []
        for key in keys:
            logged += await self._ids(key)
        ids = [e for e in dict.fromkeys(logged) if e != exclude]
        missing = [i for i in ids if i not in self._facts]
        fields = {"household": 1, "decision": 1, "received_at": 1}
        for doc in await asyncio.gather(*(self.triages.find_one({"_id": i}, fields) for i in missing)):
            if doc is not None:  # a log entry whose record is not written yet is read again next time
                self._facts.put(str(doc["_id"]), doc)
        return [doc for i in ids if (doc := self._facts.get(i)) is not None]

    async def household_history(
        self, household: str, since: datetime, before: datetime, exclude: str
    ) -> list[EarlierItem]:
        docs = await self._logged([_household_log(household)], exclude, {"content": 1, "result": 1})
        docs = sorted((d for d in docs if since <= d["received_at"] <= before), key=lambda d: d["received_at"])
        docs = docs[::-1][:20]
        ids = [d["_id"] for d in docs]
        answers = await asyncio.gather(*(self.answers.find_one({"_id": i}, {"_id": 1}) for i in ids))
        reviews = await asyncio.gather(*(self.reviews.find_one({"_id": i}, {"after": 1}) for i in ids))
        answered = {a["_id"] for a in answers if a is not None}
        reviewed = {r["_id"]: r["after"] for r in reviews if r is not None}
        items = []
        for doc in docs:
            final = reviewed.get(doc["_id"]) or doc["result"]
            refused = final["decision"] == "rejected"
            items.append(EarlierItem(doc["_id"], doc["content"], final["category"], doc["_id"] in answered or refused))
        return items

    async def first_same_fault(
        self, key: str, since: datetime, before: datetime, household: str | None, exclude: str
    ) -> str | None:
        days = [_fault_log(key, since + timedelta(days=n)) for n in range((before.date() - since.date()).days + 1)]
        docs = await self._fault_facts(days, exclude)
        for doc in sorted(docs, key=lambda d: (d["received_at"], d["_id"])):
            if not since <= doc["received_at"] <= before or doc.get("decision") == "rejected":
                continue
            if household is None or doc.get("household") != household:
                return str(doc["_id"])
        return None

    async def record_answer(self, complaint_id: str, at: datetime, cause_event_id: str) -> bool:
        return await insert_once(
            self.answers, {"_id": complaint_id, "answered_at": at, "cause_event_id": cause_event_id}
        )

    # --- supervisor reviews -------------------------------------------------------------------------

    async def review(self, complaint_id: str) -> dict[str, Any] | None:
        return await self.reviews.find_one({"_id": complaint_id}, _HIDE)

    async def add_review_once(self, document: dict[str, Any], event: Envelope) -> bool:
        return await insert_once(self.reviews, new_with_outbox(document, (topics.COMPLAINT_TRIAGED, event)))

    async def pending_reviews(
        self, estates: tuple[str, ...], estate_id: str | None, limit: int
    ) -> list[dict[str, Any]]:
        query: dict[str, Any] = {"$or": [{"decision": "needs_review"}, {"awaiting_review": True}]}
        if estate_id:
            query["estate_id"] = estate_id
        elif "*" not in estates:
            query["estate_id"] = {"$in": list(estates)}
        docs = [d async for d in self.triages.find(query, _HIDE).sort("triaged_at", 1).limit(1000)]
        done = {d["_id"] async for d in self.reviews.find({"_id": {"$in": [d["_id"] for d in docs]}}, {"_id": 1})}
        return [d for d in docs if d["_id"] not in done][:limit]

    async def review_history(self, estates: tuple[str, ...], estate_id: str | None, limit: int) -> list[dict[str, Any]]:
        query: dict[str, Any] = {}
        if estate_id:
            query["estate_id"] = estate_id
        elif "*" not in estates:
            query["estate_id"] = {"$in": list(estates)}
        cursor = self.reviews.find(query, {**_HIDE, "result": 0}).sort("reviewed_at", -1).limit(limit)
        return [doc async for doc in cursor]

    async def reviewed_texts(self, estate_id: str | None = None) -> list[tuple[dict[str, Any], str]]:
        """Every recorded review with the complaint's text (the labels for retraining)."""
        query: dict[str, Any] = {"estate_id": estate_id} if estate_id else {}
        pairs: list[tuple[dict[str, Any], str]] = []
        async for review in self.reviews.find(query, {**_HIDE, "result": 0}).sort("reviewed_at", 1):
            triage = await self.triages.find_one({"_id": review["_id"]}, {"content": 1}) or {}
            pairs.append((review, str(triage.get("content") or "")))
        return pairs


def _household_log(household: str) -> str:
    return f"h|{household}"


def _fault_log(key: str, at: datetime) -> str:
    return f"f|{key}|{at:%Y%m%d}"
