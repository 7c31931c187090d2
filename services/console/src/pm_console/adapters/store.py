"""Staff accounts and sessions in the console's own database, read and written by ``_id`` only
(the one filter FerretDB pushes down)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pm_common.mongo import DuplicateKeyError, Mongo, ReturnDocument
from pm_console.domain.accounts import StaffAccount
from pm_console.domain.sessions import StaffSession

ACCOUNTS = "accounts"
SESSIONS = "sessions"


def _utc(value: Any) -> Any:
    return value.astimezone(UTC) if isinstance(value, datetime) else value


class MongoAccounts:
    def __init__(self, mongo: Mongo) -> None:
        self.col = mongo.collection(ACCOUNTS)

    async def get(self, username: str) -> StaffAccount | None:
        doc = await self.col.find_one({"_id": username})
        if doc is None:
            return None
        doc["username"] = doc.pop("_id")
        return StaffAccount.model_validate({k: _utc(v) for k, v in doc.items()})

    async def add(self, account: StaffAccount) -> bool:
        doc = account.model_dump(exclude={"username"})
        doc["estates"] = list(account.estates)
        try:
            await self.col.insert_one({"_id": account.username, **doc})
        except DuplicateKeyError:
            return False
        return True

    async def record_failure(self, username: str) -> int:
        """One atomic ``$inc`` (MongoDB); on FerretDB the collection wrapper serialises writes to one
        ``_id`` within the process, so one console process counts every failure."""
        doc = await self.col.find_one_and_update(
            {"_id": username}, {"$inc": {"failed_attempts": 1}}, return_document=ReturnDocument.AFTER
        )
        return int(doc["failed_attempts"]) if doc else 0

    async def set_lock(self, username: str, locked_until: datetime | None) -> None:
        await self.col.update_one({"_id": username}, {"$set": {"locked_until": locked_until}})

    async def record_success(self, username: str) -> None:
        await self.col.update_one({"_id": username}, {"$set": {"failed_attempts": 0, "locked_until": None}})

    async def set_password(self, username: str, password_hash: str) -> None:
        await self.col.update_one({"_id": username}, {"$set": {"password_hash": password_hash}})


class MongoSessions:
    def __init__(self, mongo: Mongo) -> None:
        self.col = mongo.collection(SESSIONS)

    async def put(self, key: str, session: StaffSession) -> None:
        doc = session.model_dump()
        doc["estates"] = list(session.estates)
        await self.col.insert_one({"_id": key, **doc})

    async def get(self, key: str) -> StaffSession | None:
        doc = await self.col.find_one({"_id": key})
        if doc is None:
            return None
        doc.pop("_id")
        return StaffSession.model_validate({k: _utc(v) for k, v in doc.items()})

    async def touch(self, key: str, at: datetime) -> None:
        await self.col.update_one({"_id": key}, {"$set": {"last_seen": at}})

    async def delete(self, key: str) -> None:
        await self.col.delete_one({"_id": key})

    async def purge_expired(self, now: datetime) -> int:
        """Housekeeping (FerretDB has no TTL index): one scan of a small collection, now and then."""
        result = await self.col.delete_many({"expires_at": {"$lt": now}})
        return int(result.deleted_count)
