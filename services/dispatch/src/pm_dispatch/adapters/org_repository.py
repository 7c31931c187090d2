"""Organisations in MongoDB / FerretDB: one document per estate (``_id`` = estate id).

``{_id, org_version, org: <Organisation>, version, outbox, outbox_pending}``. Every change is one
single-document write of the whole organisation carrying its ``org.changed`` outbox entry, under
``pm_common.versioned`` optimistic concurrency (``version`` is the document's write counter, which
the outbox relay bumps too; ``org_version`` is the organisation's version, the one events carry).
Reads are by ``_id`` only, which FerretDB pushes down.

``org_people`` maps a person id to the estate listing them (``_id`` = person id), so the contact
lookup without an estate id is a by-``_id`` read too; it is derived data written after the
organisation and repaired on the next change of that estate (a missing entry falls back to a scan).
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from pm_common.events import Envelope
from pm_common.mongo import ASCENDING, DESCENDING, DuplicateKeyError, IndexModel, Mongo, new_with_outbox, with_outbox
from pm_common.versioned import VersionedCollection
from pm_dispatch.domain.organisation import ContactLookup, Organisation

ORGANISATIONS = "organisations"
ORG_PEOPLE = "org_people"
CONTACT_LOOKUPS = "contact_lookups"


class MongoOrgRepository:
    def __init__(self, mongo: Mongo) -> None:
        self.coll = mongo.collection(ORGANISATIONS)
        self.versioned = VersionedCollection(self.coll)
        self.people = mongo.collection(ORG_PEOPLE)

    @staticmethod
    async def create_indexes(mongo: Mongo) -> None:
        await mongo.collection(CONTACT_LOOKUPS).create_indexes(
            [IndexModel([("person_id", ASCENDING), ("at", ASCENDING)], name="person_at")]
        )

    async def get(self, estate_id: str) -> Organisation | None:
        doc = await self.coll.find_one({"_id": estate_id}, {"org": 1})
        return None if doc is None else Organisation.model_validate(doc["org"])

    async def save(self, org: Organisation, event: tuple[str, Envelope]) -> bool:
        stored = org.model_dump(mode="json")
        previous: set[str] = set()
        if org.version == 1:
            doc = {"_id": org.estate_id, "org_version": 1, "org": stored, "version": 0}
            try:
                await self.coll.insert_one(new_with_outbox(doc, event))
            except DuplicateKeyError:
                return False
        else:

            def decide(doc: dict[str, Any]) -> dict[str, Any] | None:
                if doc.get("org_version") != org.version - 1:
                    return None  # someone else changed it: the caller re-applies its change
                previous.clear()
                previous.update(p["person_id"] for p in doc["org"].get("people", []))
                return with_outbox({"$set": {"org_version": org.version, "org": stored}}, event)

            if await self.versioned.mutate(org.estate_id, decide) is None:
                return False
        await self._index_people(org, previous)
        return True

    async def _index_people(self, org: Organisation, previous: set[str]) -> None:
        current = {p.person_id for p in org.people}
        for person_id in sorted(current - previous):
            await self.people.replace_one({"_id": person_id}, {"estate_id": org.estate_id}, upsert=True)
        for person_id in sorted(previous - current):
            await self.people.delete_one({"_id": person_id, "estate_id": org.estate_id})

    async def estate_of(self, person_id: str) -> str | None:
        entry = await self.people.find_one({"_id": person_id})
        if entry is not None:
            return str(entry["estate_id"])
        found = await self.coll.find_one({"org.people.person_id": person_id}, {"_id": 1})  # rare: repair path
        return None if found is None else str(found["_id"])


class MongoContactAudit:
    """Every staff-contact lookup (served, not found or refused), kept in dispatch's own DB."""

    def __init__(self, mongo: Mongo) -> None:
        self.coll = mongo.collection(CONTACT_LOOKUPS)

    async def record(self, entry: ContactLookup) -> None:
        doc = asdict(entry)
        doc["_id"] = doc.pop("lookup_id")
        await self.coll.insert_one(doc)

    async def of_person(self, person_id: str, limit: int) -> list[ContactLookup]:
        """Index ``person_at`` on MongoDB; a scan of the audit on FerretDB (an occasional review)."""
        cursor = self.coll.find({"person_id": person_id}).sort("at", DESCENDING).limit(limit)
        return [ContactLookup(lookup_id=d.pop("_id"), **d) async for d in cursor]
