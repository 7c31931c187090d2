"""Small Mongo stores: the audit log, integration API keys, one-time codes, the SMS outbox."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pm_common.mongo import Collection, IndexModel, Mongo

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
    await ensure_indexes(mongo.collection(AUDIT), [IndexModel([("complaint_id", 1), ("at", 1)])])
    await ensure_indexes(mongo.collection(OTPS), [IndexModel([("expires_at", 1)])])
    await ensure_indexes(mongo.collection(OTPS + "_attempts"), [IndexModel([("phone_key", 1)])])
    await ensure_indexes(mongo.collection(SMS), [IndexModel([("created_at", 1)])])


class MongoAuditLog:
    def __init__(self, mongo: Mongo) -> None:
        self.collection = mongo.collection(AUDIT)

    async def record(self, entry: dict[str, Any]) -> str:
        await self.collection.insert_one(entry)
        return str(entry["_id"])

    async def entries(self, complaint_id: str) -> list[dict[str, Any]]:
        return [e async for e in self.collection.find({"complaint_id": complaint_id}).sort([("at", 1)])]


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
    def __init__(self, mongo: Mongo) -> None:
        self.collection = mongo.collection(OTPS)
        self.attempts = mongo.collection(OTPS + "_attempts")

    async def save(self, phone_key: str, code_hash: str, expires_at: datetime) -> None:
        doc = {"code_hash": code_hash, "expires_at": expires_at, "attempts": 0}
        await self.collection.replace_one({"_id": phone_key}, doc, upsert=True)

    async def get(self, phone_key: str) -> dict[str, Any] | None:
        return await self.collection.find_one({"_id": phone_key})

    async def count_attempt(self, phone_key: str) -> int:
        """One more verification attempt; counted with inserts so parallel guesses cannot slip through."""
        stored = await self.collection.find_one({"_id": phone_key}, {"expires_at": 1})
        if stored is None:
            return 1_000_000
        await self.attempts.insert_one({"phone_key": phone_key, "expires_at": stored["expires_at"]})
        return int(await self.attempts.count_documents({"phone_key": phone_key}))

    async def delete(self, phone_key: str) -> None:
        await self.collection.delete_one({"_id": phone_key})
        await self.attempts.delete_many({"phone_key": phone_key})

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
