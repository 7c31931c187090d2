"""Small Mongo stores: the audit log, integration API keys, one-time codes, the SMS outbox."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pm_common.index_log import IndexLog
from pm_common.mongo import Collection, DuplicateKeyError, IndexModel, Mongo

AUDIT = "audit_log"
API_KEYS = "api_keys"
OTPS = "owner_otps"
SMS = "sms_outbox"
RATE = "rate_limits"


async def ensure_indexes(collection: Collection, models: list[IndexModel]) -> None:
    """One ``createIndexes`` per index: FerretDB 1.24 panics (connection dropped) when one command
    re-creates several indexes that already exist, i.e. on every restart against an existing DB."""
    for model in models:
        await collection.create_indexes([model])


async def create_indexes(mongo: Mongo) -> None:
    await ensure_indexes(mongo.collection(OTPS), [IndexModel([("expires_at", 1)])])
    await ensure_indexes(mongo.collection(OTPS + "_attempts"), [IndexModel([("expires_at", 1)])])
    await ensure_indexes(mongo.collection(SMS), [IndexModel([("created_at", 1)])])


class MongoAuditLog:
    """Each complaint's audit trail is the append-only log ``a|<complaint id>`` of
    :mod:`pm_common.index_log`: an entry is one inserted slot document (``<key>#0000001``, …) holding
    the entry's fields and its ``audit_id``, so writing is one insert and reading the trail is ``_id``
    lookups of that complaint's slots only (a ``find({"complaint_id": …})`` would decode every audit
    entry ever written on FerretDB)."""

    def __init__(self, mongo: Mongo) -> None:
        self.collection = mongo.collection(AUDIT)
        self.log = IndexLog(self.collection)

    @staticmethod
    def key(complaint_id: str) -> str:
        return f"a|{complaint_id}"

    async def record(self, entry: dict[str, Any]) -> str:
        audit_id = str(entry["_id"])
        fields = {k: v for k, v in entry.items() if k != "_id"}
        await self.log.append(self.key(str(entry["complaint_id"])), [audit_id], **fields)
        return audit_id

    async def entries(self, complaint_id: str) -> list[dict[str, Any]]:
        slots = await self.log.tail_documents(self.key(complaint_id), 0)
        return [{**{k: v for k, v in doc.items() if k not in ("_id", "e")}, "_id": doc["e"][0]} for _, doc in slots]


class MongoIntegrationKeys:
    def __init__(self, mongo: Mongo) -> None:
        self.collection = mongo.collection(API_KEYS)

    async def add(self, document: dict[str, Any]) -> None:
        await self.collection.insert_one(document)

    async def upsert(self, document: dict[str, Any]) -> None:
        await self.collection.replace_one({"_id": document["_id"]}, document, upsert=True)

    async def get(self, key_id: str) -> dict[str, Any] | None:
        return await self.collection.find_one({"_id": key_id})

    async def all(self) -> list[dict[str, Any]]:
        return [k async for k in self.collection.find({}).sort([("created_at", 1)])]

    async def revoke(self, key_id: str, at: datetime) -> bool:
        result = await self.collection.update_one({"_id": key_id, "revoked_at": None}, {"$set": {"revoked_at": at}})
        return result.modified_count == 1


class MongoOtpStore:
    """One code per phone key (by ``_id``). Attempts at a code are counted by claiming slots
    ``<phone key>|<issue>|<n>`` with inserts (unique ``_id``: atomic on both engines, so parallel
    guesses each take their own number); ``issue`` is new with every code, so nothing has to be
    deleted when a code is used up, and no query looks at other phones' attempts (expired slots are
    purged off the request path)."""

    _MAX_HINTS = 10_000

    def __init__(self, mongo: Mongo) -> None:
        self.collection = mongo.collection(OTPS)
        self.attempts = mongo.collection(OTPS + "_attempts")
        self._next: dict[str, int] = {}  # <phone key>|<issue> -> next slot to try (only a hint)

    async def save(self, phone_key: str, code_hash: str, expires_at: datetime) -> None:
        doc = {"code_hash": code_hash, "expires_at": expires_at, "attempts": 0, "issue": uuid.uuid4().hex}
        await self.collection.replace_one({"_id": phone_key}, doc, upsert=True)

    async def get(self, phone_key: str) -> dict[str, Any] | None:
        return await self.collection.find_one({"_id": phone_key})

    async def count_attempt(self, phone_key: str) -> int:
        """One more verification attempt at the current code; returns how many there have been."""
        stored = await self.collection.find_one({"_id": phone_key}, {"expires_at": 1, "issue": 1})
        if stored is None:
            return 1_000_000
        key = f"{phone_key}|{stored.get('issue', '')}"
        n = self._next.pop(key, 1)
        for _ in range(1_000):
            try:
                await self.attempts.insert_one({"_id": f"{key}|{n}", "expires_at": stored["expires_at"]})
            except DuplicateKeyError:  # another request (or replica) counted this one: the next
                n += 1
                continue
            if len(self._next) >= self._MAX_HINTS:
                self._next.clear()
            self._next[key] = n + 1
            return n
        return 1_000_000  # a thousand guesses at once: certainly too many

    async def delete(self, phone_key: str) -> None:
        await self.collection.delete_one({"_id": phone_key})

    async def purge_expired(self, now: datetime) -> int:
        await self.attempts.delete_many({"expires_at": {"$lt": now}})
        return int((await self.collection.delete_many({"expires_at": {"$lt": now}})).deleted_count)


class MongoSmsOutbox:
    """Messages for the SMS gateway to send; it deletes them once sent (older ones are purged)."""

    def __init__(self, mongo: Mongo) -> None:
        self.collection = mongo.collection(SMS)

    async def enqueue(self, phone: str, template: str, params: dict[str, str], at: datetime) -> None:
        await self.collection.insert_one({"phone": phone, "template": template, "params": params, "created_at": at})

    async def purge_older_than(self, moment: datetime) -> int:
        return int((await self.collection.delete_many({"created_at": {"$lt": moment}})).deleted_count)
