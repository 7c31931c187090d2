"""Mongo adapters: every read and write addresses one document by ``_id`` (FerretDB pushes down only
``_id`` equality), writes go through optimistic concurrency (``pm_common.versioned``)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import date
from typing import Any

from pm_common.events import Envelope
from pm_common.mongo import Mongo, insert_once, new_with_outbox
from pm_common.versioned import VersionedCollection
from pm_insights.domain.buckets import bucket_id
from pm_insights.domain.thresholds import Thresholds
from pm_insights.domain.view import ComplaintView

VIEWS, BUCKETS, META, WARNINGS, WARNING_INDEX, THRESHOLDS = (
    "complaints", "buckets", "meta", "warnings", "warning_index", "thresholds",
)  # fmt: skip
ESTATES_DOC = "estates"
INDEX_KEEP = 500  # warnings listed per estate (newest first)
READ_CONCURRENCY = 16


class MongoViews:
    def __init__(self, mongo: Mongo) -> None:
        self.coll = VersionedCollection.of(mongo, VIEWS)

    async def change(
        self, complaint_id: str, step: Callable[[ComplaintView], ComplaintView]
    ) -> tuple[ComplaintView, int]:
        await insert_once(self.coll.coll, {"_id": complaint_id, "version": 0, "view": {"complaint_id": complaint_id}})
        result: dict[str, Any] = {}

        def decide(doc: dict[str, Any]) -> dict[str, Any] | None:
            before = ComplaintView.model_validate(doc["view"])
            after = step(before)
            result["view"], result["version"] = after, int(doc.get("version", 0))
            if after == before:
                return None
            result["version"] += 1
            return {"$set": {"view": after.model_dump()}}

        await self.coll.mutate(complaint_id, decide)
        return result["view"], result["version"]

    async def get(self, complaint_id: str) -> ComplaintView | None:
        doc = await self.coll.coll.find_one({"_id": complaint_id})
        return None if doc is None else ComplaintView.model_validate(doc["view"])


class MongoBuckets:
    def __init__(self, mongo: Mongo) -> None:
        self.coll = VersionedCollection.of(mongo, BUCKETS)
        self.meta = VersionedCollection.of(mongo, META)
        self._known: set[str] = set()

    async def put(self, estate_id: str, day: date, complaint_id: str, entry: dict[str, Any]) -> None:
        bid = bucket_id(estate_id, day)
        await insert_once(self.coll.coll, {"_id": bid, "version": 0, "estate_id": estate_id, "day": day.isoformat(),
                                           "items": {}})  # fmt: skip

        def decide(doc: dict[str, Any]) -> dict[str, Any] | None:
            held = doc.get("items", {}).get(complaint_id)
            if held is not None and (held.get("v", 0) > entry["v"] or held == entry):
                return None
            return {"$set": {f"items.{complaint_id}": entry}}

        await self.coll.mutate(bid, decide)
        await self._remember(estate_id)

    async def _remember(self, estate_id: str) -> None:
        if estate_id in self._known:
            return
        await insert_once(self.meta.coll, {"_id": ESTATES_DOC, "version": 0, "estates": []})
        await self.meta.mutate(
            ESTATES_DOC,
            lambda doc: (
                None if estate_id in doc["estates"] else {"$set": {"estates": sorted({*doc["estates"], estate_id})}}
            ),
        )
        self._known.add(estate_id)

    async def read(self, estate_ids: list[str], days: list[date]) -> list[tuple[str, date, str, dict[str, Any]]]:
        ids = [bucket_id(e, d) for e in estate_ids for d in days]
        gate = asyncio.Semaphore(READ_CONCURRENCY)

        async def one(bid: str) -> dict[str, Any] | None:
            async with gate:
                return await self.coll.coll.find_one({"_id": bid})

        rows: list[tuple[str, date, str, dict[str, Any]]] = []
        for doc in await asyncio.gather(*(one(b) for b in ids)):
            if doc is not None:
                day = date.fromisoformat(doc["day"])
                rows += [(doc["estate_id"], day, cid, e) for cid, e in sorted(doc.get("items", {}).items())]
        return rows

    async def estates(self) -> list[str]:
        doc = await self.meta.coll.find_one({"_id": ESTATES_DOC})
        return list(doc["estates"]) if doc else []


class MongoWarnings:
    def __init__(self, mongo: Mongo) -> None:
        self.warnings = mongo.collection(WARNINGS)
        self.index = VersionedCollection.of(mongo, WARNING_INDEX)

    async def raise_once(self, warning: dict[str, Any], event: Envelope) -> bool:
        """The warning document carries its event in the outbox (one insert); its id makes it once."""
        from pm_common import topics

        doc = new_with_outbox({"_id": warning["warning_id"], **warning}, (topics.INSIGHT_WARNING, event))
        raised = await insert_once(self.warnings, doc)
        await self._index(warning)  # also after a crash between the two writes: the redelivery adds it
        return raised

    async def _index(self, warning: dict[str, Any]) -> None:
        estate = warning["estate_id"]
        summary = {k: v for k, v in warning.items() if k != "complaint_ids"}
        await insert_once(self.index.coll, {"_id": estate, "version": 0, "items": []})

        def decide(doc: dict[str, Any]) -> dict[str, Any] | None:
            if any(i["warning_id"] == warning["warning_id"] for i in doc["items"]):
                return None
            return {"$set": {"items": [summary, *doc["items"]][:INDEX_KEEP]}}

        await self.index.mutate(estate, decide)

    async def list(self, estate_ids: list[str], limit: int) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        for estate in estate_ids:
            doc = await self.index.coll.find_one({"_id": estate})
            found += doc["items"] if doc else []
        return sorted(found, key=lambda w: (w["raised_at"], w["warning_id"]), reverse=True)[:limit]

    async def get(self, warning_id: str) -> dict[str, Any] | None:
        doc = await self.warnings.find_one({"_id": warning_id}, {"outbox": 0, "outbox_pending": 0})
        return doc


class MongoThresholds:
    def __init__(self, mongo: Mongo) -> None:
        self.coll = mongo.collection(THRESHOLDS)

    async def get(self, estate_id: str) -> Thresholds:
        doc = await self.coll.find_one({"_id": estate_id})
        return Thresholds() if doc is None else Thresholds.model_validate(doc["thresholds"])

    async def put(self, estate_id: str, thresholds: Thresholds) -> None:
        await self.coll.update_one({"_id": estate_id}, {"$set": {"thresholds": thresholds.model_dump()}}, upsert=True)
