"""Mongo state of group incidents, insert-only (safe with FerretDB's unlocked updates):

- ``incidents``: one document per declared incident (deterministic id) carrying the outbox entry
  of ``incident.declared``;
- ``incident_children``: one document per linked complaint (``<incident>:<complaint>``);
- ``incident_decisions``: at most one per incident (resolved / dismissed), carrying ``incident.resolved``;
- ``incident_confirmations``: a supervisor confirmed it is a real 群诉;
- ``incident_links``: ``_id`` = a linked complaint → its incident (the first one it was linked to);
- ``incident_index``: append-only logs (``pm_common.index_log``) of the incidents declared per fault
  key (``f|<key>``) and of the complaints linked to each incident (``c|<incident>``).

Every look-up is by ``_id`` (FerretDB pushes down nothing else): the open incident of a fault key, the
complaints already linked, an incident's children and a complaint's incident used to be filters on
``fault_key`` / ``complaint_id`` / ``incident_id`` — scans of collections that grow with every linked
complaint. A log entry is written before the document it names, and readers skip a name whose
document is not there (a complaint is linked once its ``incident_links`` document is written), so a
crash between the writes leaves nothing wrong and a replay completes them. ``backfill`` writes the logs
and links of incidents stored before they existed (once, at start-up).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from pm_common import topics
from pm_common.events import Envelope
from pm_common.index_log import IndexLog
from pm_common.lru import Lru
from pm_common.mongo import IndexModel, Mongo, insert_once, new_with_outbox

INCIDENTS = "incidents"
CHILDREN = "incident_children"
DECISIONS = "incident_decisions"
CONFIRMATIONS = "incident_confirmations"
LINKS = "incident_links"
INDEX = "incident_index"
BACKFILLED = "backfilled|v1"
_RECENT = 5  # incidents of a fault key looked at for an open one (the latest declared first)
_LINKED_KEPT = 20_000  # complaints remembered as linked, per process
_HIDE = {"outbox": 0, "outbox_pending": 0}


class MongoIncidentRepository:
    def __init__(self, mongo: Mongo) -> None:
        self.incidents = mongo.collection(INCIDENTS)
        self.children_ = mongo.collection(CHILDREN)
        self.decisions = mongo.collection(DECISIONS)
        self.confirmations = mongo.collection(CONFIRMATIONS)
        self.links = mongo.collection(LINKS)
        self.log = IndexLog(mongo.collection(INDEX))
        # complaints known to be linked (a link is never undone): a burst of one fault asks about the
        # same window members for every new report, and only the new ones are read
        self._linked: Lru[str, bool] = Lru(_LINKED_KEPT)

    @staticmethod
    async def create_indexes(mongo: Mongo) -> None:
        await mongo.collection(INCIDENTS).create_indexes(
            [
                IndexModel([("fault_key", 1), ("declared_at", -1)]),
                IndexModel([("estate_id", 1), ("declared_at", -1)]),
                IndexModel([("outbox_pending", 1)]),
            ]
        )
        await mongo.collection(CHILDREN).create_indexes(
            [IndexModel([("incident_id", 1), ("linked_at", 1)]), IndexModel([("complaint_id", 1)])]
        )
        await mongo.collection(DECISIONS).create_indexes([IndexModel([("outbox_pending", 1)])])

    async def open_incident(self, key: str) -> dict[str, Any] | None:
        """The latest declared incident of ``key`` that is not decided yet (of its last ``_RECENT``)."""
        ids = _unique(e for _, entries in await self.log.tail(f"f|{key}", 0) for e in entries)[-_RECENT:]
        docs = [d for d in await asyncio.gather(*(self.get(i) for i in ids)) if d is not None]
        for doc in sorted(docs, key=lambda d: d["declared_at"], reverse=True):
            if await self.decisions.find_one({"_id": doc["_id"]}, {"_id": 1}) is None:
                return doc
        return None

    async def linked(self, complaint_ids: list[str]) -> set[str]:
        unknown = [c for c in complaint_ids if c not in self._linked]
        docs = await asyncio.gather(*(self.links.find_one({"_id": c}, {"_id": 1}) for c in unknown))
        for doc in docs:
            if doc is not None:
                self._linked.put(str(doc["_id"]), True)
        return {c for c in complaint_ids if c in self._linked}

    async def declare_once(self, document: dict[str, Any], event: Envelope) -> bool:
        await self.log.append(f"f|{document['fault_key']}", [str(document["_id"])])  # before: see above
        return await insert_once(self.incidents, new_with_outbox(document, (topics.INCIDENT_DECLARED, event)))

    async def link(self, incident: str, key: str, complaint_ids: tuple[str, ...], at: datetime) -> int:
        if complaint_ids:
            await self.log.append(f"c|{incident}", list(complaint_ids))  # a replay appends again: deduped
        added = 0
        for complaint_id in complaint_ids:
            await insert_once(self.links, {"_id": complaint_id, "incident_id": incident})
            self._linked.put(complaint_id, True)
            child = {"_id": f"{incident}:{complaint_id}", "incident_id": incident, "complaint_id": complaint_id}
            added += await insert_once(self.children_, {**child, "fault_key": key, "linked_at": at})
        return added

    async def get(self, incident: str) -> dict[str, Any] | None:
        return await self.incidents.find_one({"_id": incident}, _HIDE)

    async def children(self, incident: str) -> list[str]:
        """The linked complaints, in the order they were linked: the log's names whose link (the commit
        point of ``link``) names this incident (read on a resolution, not per complaint)."""
        named = _unique(e for _, entries in await self.log.tail(f"c|{incident}", 0) for e in entries)
        links = await asyncio.gather(*(self.links.find_one({"_id": c}) for c in named))
        return [c for c, link in zip(named, links, strict=True) if link and link["incident_id"] == incident]

    async def incident_of(self, complaint_id: str) -> str | None:
        doc = await self.links.find_one({"_id": complaint_id})
        return str(doc["incident_id"]) if doc else None

    async def backfill(self) -> int:
        """Logs and links of the incidents stored before they existed: one pass over ``incidents`` and
        ``incident_children`` (O(stored), once per database, marked done in ``incident_index``)."""
        marker = self.log.collection
        if await marker.find_one({"_id": BACKFILLED}) is not None:
            return 0
        declared = [d async for d in self.incidents.find({}, {"fault_key": 1, "declared_at": 1})]
        for doc in sorted(declared, key=lambda d: d["declared_at"]):
            await self.log.append(f"f|{doc['fault_key']}", [str(doc["_id"])])
        children = [d async for d in self.children_.find({})]
        by_incident: dict[str, list[str]] = {}
        for child in sorted(children, key=lambda d: d["linked_at"]):
            by_incident.setdefault(child["incident_id"], []).append(child["complaint_id"])
            await insert_once(self.links, {"_id": child["complaint_id"], "incident_id": child["incident_id"]})
            self._linked.put(child["complaint_id"], True)
        for incident, complaint_ids in by_incident.items():
            await self.log.append(f"c|{incident}", complaint_ids)
        await insert_once(marker, {"_id": BACKFILLED, "incidents": len(declared), "children": len(children)})
        return len(declared)

    async def decision(self, incident: str) -> dict[str, Any] | None:
        return await self.decisions.find_one({"_id": incident}, _HIDE)

    async def decide_once(self, document: dict[str, Any], event: Envelope | None) -> bool:
        stored = new_with_outbox(document, (topics.INCIDENT_RESOLVED, event)) if event else document
        return await insert_once(self.decisions, stored)

    async def confirm_once(self, document: dict[str, Any]) -> bool:
        return await insert_once(self.confirmations, document)

    async def confirmation(self, incident: str) -> dict[str, Any] | None:
        return await self.confirmations.find_one({"_id": incident})

    async def list(self, estates: tuple[str, ...], estate_id: str | None, limit: int) -> list[dict[str, Any]]:
        query: dict[str, Any] = {}
        if estate_id:
            query["estate_id"] = estate_id
        elif "*" not in estates:
            query["estate_id"] = {"$in": list(estates)}
        return [d async for d in self.incidents.find(query, _HIDE).sort("declared_at", -1).limit(limit)]


def _unique(entries: Iterable[str]) -> list[str]:
    """In first-seen order, each once (a replayed append repeats entries)."""
    return list(dict.fromkeys(entries))
