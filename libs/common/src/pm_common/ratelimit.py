"""Fixed-window rate limiting shared by every replica, exact on MongoDB 7 and on FerretDB.

Each hit inserts one small document tagged with ``<hash(source)>|<window>|<index>`` and then counts
the documents with that tag. Inserts are atomic everywhere, whereas FerretDB 1.x applies ``$inc`` /
``findAndModify`` as read-modify-write and loses concurrent increments (measured: 50 parallel
``$inc`` on one document → 5), which would let bursts through. Concurrent hits may each see the
others (a slight over-count), never an under-count. FerretDB has no TTL indexes, so expired hits
are removed by :meth:`FixedWindowLimiter.purge_expired` (run it from a job).
Sources are stored hashed: an IP address or phone number never lands in the database as such.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from pm_common.mongo import Collection, IndexModel


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
        return [IndexModel([("k", 1)]), IndexModel([("expires_at", 1)])]

    async def hit(self, source: str, limit: int, window_seconds: int) -> RateDecision:
        """Count one request of ``source``; ``allowed`` is False once ``limit`` is passed in this window."""
        now = self.clock()
        index = int(now // window_seconds)
        window_end = (index + 1) * window_seconds
        key = f"{hashlib.sha256(source.encode()).hexdigest()[:32]}|{window_seconds}|{index}"
        await self.collection.insert_one({"k": key, "expires_at": datetime.fromtimestamp(window_end, UTC)})
        count = await self.collection.count_documents({"k": key})
        retry_after = max(1, int(window_end - now + 0.999))
        return RateDecision(count <= limit, count, limit, retry_after)

    async def purge_expired(self, now: float | None = None) -> int:
        moment = datetime.fromtimestamp(self.clock() if now is None else now, UTC)
        result = await self.collection.delete_many({"expires_at": {"$lt": moment}})
        return int(result.deleted_count)
