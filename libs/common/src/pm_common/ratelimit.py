"""Fixed-window rate limiting shared by every replica: one counter document per source and window.

Each hit is one atomic ``findAndModify`` (``$inc`` with upsert) on ``<hash(source)>|<window>|<index>``,
so it works across replicas on MongoDB 7 and FerretDB alike. FerretDB has no TTL indexes, so
expired counters are removed by :meth:`FixedWindowLimiter.purge_expired` (run it from a job).
Sources are stored hashed: an IP address or phone number never lands in the database as such.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from pm_common.mongo import Collection, DuplicateKeyError, IndexModel, ReturnDocument


@dataclass(frozen=True)
class RateDecision:
    allowed: bool
    count: int
    limit: int
    retry_after_seconds: int


class FixedWindowLimiter:
    def __init__(self, collection: Collection, *, clock: Callable[[], float] = time.time) -> None:
        self.collection = collection
        self.clock = clock

    @staticmethod
    def indexes() -> list[IndexModel]:
        return [IndexModel([("expires_at", 1)])]

    async def hit(self, source: str, limit: int, window_seconds: int) -> RateDecision:
        """Count one request of ``source``; ``allowed`` is False once ``limit`` is passed in this window."""
        now = self.clock()
        index = int(now // window_seconds)
        window_end = (index + 1) * window_seconds
        key = f"{hashlib.sha256(source.encode()).hexdigest()[:32]}|{window_seconds}|{index}"
        update = {"$inc": {"count": 1}, "$setOnInsert": {"expires_at": datetime.fromtimestamp(window_end, UTC)}}
        for attempt in range(2):  # two first hits racing on the upsert: the loser retries once
            try:
                doc = await self.collection.find_one_and_update(
                    {"_id": key}, update, upsert=True, return_document=ReturnDocument.AFTER
                )
                break
            except DuplicateKeyError:
                if attempt:
                    raise
        count = int(doc["count"])
        retry_after = max(1, int(window_end - now + 0.999))
        return RateDecision(count <= limit, count, limit, retry_after)

    async def purge_expired(self, now: float | None = None) -> int:
        moment = datetime.fromtimestamp(self.clock() if now is None else now, UTC)
        result = await self.collection.delete_many({"expires_at": {"$lt": moment}})
        return int(result.deleted_count)
