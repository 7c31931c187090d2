"""Per complaint, the staff it is about (被投诉人) as one service last learnt them: highest revision wins.

Fed by ``complaint.received`` (its subjects are revision 0) and ``complaint.subjects_changed``
(revision 1, 2, …), in any order and redelivered at will: a revision not above the stored one changes
nothing, so a change that overtook the complaint is kept and the complaint's own (older) list never
replaces it. One small document per complaint that names anybody, read by ``_id`` only.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from typing import Any

from pm_common.collection import Collection
from pm_common.mongo import insert_once

COLLECTION = "complaint_subjects"


class SubjectsStore:
    def __init__(self, collection: Collection) -> None:
        self.collection = collection

    async def record(self, complaint_id: str, estate_id: str, staff_ids: Iterable[str], revision: int) -> bool:
        """Keep ``staff_ids`` unless a revision at least as new is stored; ``True`` when it changed.
        Revision 0 naming nobody stores nothing (absent means nobody)."""
        ids = list(dict.fromkeys(staff_ids))
        for _ in range(20):
            doc = await self.collection.find_one({"_id": complaint_id})
            if doc is None:
                if revision == 0 and not ids:
                    return False
                entry = {"_id": complaint_id, "estate_id": estate_id, "revision": revision, "subject_staff_ids": ids}
                if await insert_once(self.collection, entry):
                    return True
                continue  # a concurrent first writer: compare with theirs
            if int(doc.get("revision", 0)) >= revision:
                return False
            guard = {"_id": complaint_id, "revision": doc.get("revision", 0)}
            result = await self.collection.update_one(guard, {"$set": {"revision": revision, "subject_staff_ids": ids}})
            if result.modified_count:
                return True
        raise RuntimeError(f"could not record the subjects of {complaint_id}")

    async def latest(self, complaint_id: str) -> tuple[int, tuple[str, ...]]:
        """The stored revision and subjects, ``(0, ())`` when none is stored."""
        doc = await self.collection.find_one({"_id": complaint_id})
        return (0, ()) if doc is None else (int(doc.get("revision", 0)), tuple(doc.get("subject_staff_ids") or ()))

    async def of(self, complaint_id: str | None) -> tuple[str, ...]:
        return () if not complaint_id else (await self.latest(complaint_id))[1]

    async def of_many(self, complaint_ids: Iterable[str | None]) -> dict[str, tuple[str, ...]]:
        """Subjects per complaint id (by ``_id`` reads: FerretDB scans for ``$in``)."""
        ids = list(dict.fromkeys(c for c in complaint_ids if c))
        found: list[Any] = await asyncio.gather(*(self.of(c) for c in ids))
        return dict(zip(ids, found, strict=True))
