"""Fixed-window rate limiting shared by every replica: exact, and O(1) per request on FerretDB.

Each counted hit **claims a slot** by inserting one tiny document with a deterministic ``_id``
``<hash(source)>|<window seconds>|<window index>|<n>`` for ``n = 1 … limit``. A unique ``_id``
insert is atomic on MongoDB 7 and on FerretDB, so at most ``limit`` hits per window succeed across
all replicas; the taken slots always form a prefix ``1 … k`` (everyone claims the first free slot at
or above what it knows), which makes the count exact — no over-count, no under-count.

Why not the alternatives (measured: ``bench/ratelimit.py``, figures in ``bench/RESULTS.md``):
- insert a hit, then ``count_documents({"k": key})`` (the previous design): FerretDB pushes down only
  ``_id`` equality, so every request scanned the whole collection (``explain``: ``SCAN``,
  ``filterPushdown: false``); cost grew with traffic.
- one counter document per key and window with ``$inc``: FerretDB 1.x applies ``$inc`` as
  read-then-write without a lock and loses concurrent increments (``bench/ferretdb_workload.py``:
  194 of 1,984 kept), which would let bursts through.

Cost per request: this process remembers, per key and window, the next slot to try, and hands each
request its own (concurrent requests of one process never race each other). A hit is then one insert
(``_id`` only: ``SEARCH … USING INDEX`` on FerretDB); a slot another replica took since
costs one more insert each (so O(replicas) at worst, O(1) in the common case); a key whose slots
are all taken is refused from memory until its window ends (no database operation at all). A
process that meets a busy key for the first time finds the first free slot by binary search with
``_id`` lookups (O(log limit)).

Sources are stored hashed: an IP address or phone number never lands in the database as such.
FerretDB has no TTL indexes: :meth:`FixedWindowLimiter.purge_expired` (a housekeeping job) removes
expired slots (a scan, once a minute, off the request path).
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from pm_common.mongo import Collection, DuplicateKeyError, IndexModel

MAX_REMEMBERED_KEYS = 50_000  # memory bound of the per-process hints (they are only an optimisation)


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
        self._next: dict[str, tuple[int, float]] = {}  # window key -> (next slot to try, window end)

    @staticmethod
    def indexes() -> list[IndexModel]:
        return [IndexModel([("expires_at", 1)])]

    @staticmethod
    def window_key(source: str, window_seconds: int, index: int) -> str:
        return f"{hashlib.sha256(source.encode()).hexdigest()[:32]}|{window_seconds}|{index}"

    @staticmethod
    def slot_filter(key: str, n: int) -> dict[str, str]:
        return {"_id": f"{key}|{n}"}

    async def hit(self, source: str, limit: int, window_seconds: int) -> RateDecision:
        """Count one request of ``source``; ``allowed`` is False once ``limit`` is passed in this window."""
        now = self.clock()
        index = int(now // window_seconds)
        window_end = (index + 1) * window_seconds
        retry_after = max(1, int(window_end - now + 0.999))
        key = self.window_key(source, window_seconds, index)
        expires_at = datetime.fromtimestamp(window_end, UTC)
        first_try = key not in self._next
        n = self._take(key, window_end, now)
        while n <= limit:
            try:
                await self.collection.insert_one({**self.slot_filter(key, n), "expires_at": expires_at}, grouped=True)
            except DuplicateKeyError:  # another replica took it: the next one (found by search if new here)
                if first_try:
                    self._advance(key, await self._first_free(key, n + 1, limit), window_end, now)
                    first_try = False
                n = self._take(key, window_end, now)
                continue
            return RateDecision(True, n, limit, retry_after)
        if self._next.get(key, (0, 0.0))[0] == n + 1:  # not tried: give the reservation back
            self._remember(key, n, window_end, now)
        self._advance(key, limit + 1, window_end, now)
        return RateDecision(False, limit + 1, limit, retry_after)

    def exhausted(self, source: str, limit: int, window_seconds: int) -> RateDecision | None:
        """The refusal ``hit`` would answer from memory (every slot of the window known taken), else
        ``None``: lets a caller refuse before starting other work alongside its ``hit``."""
        now = self.clock()
        index = int(now // window_seconds)
        if self._next.get(self.window_key(source, window_seconds, index), (1, 0.0))[0] <= limit:
            return None
        return RateDecision(False, limit + 1, limit, max(1, int((index + 1) * window_seconds - now + 0.999)))

    def _take(self, key: str, window_end: float, now: float) -> int:
        """Reserve the next slot to try, synchronously: concurrent requests of this process each get
        their own slot instead of all racing for the same one (measured: ~20 losing inserts per
        request at concurrency 16 before, 54 % of intake's database time)."""
        n = self._next.get(key, (1, window_end))[0]
        self._remember(key, n + 1, window_end, now)
        return n

    def _advance(self, key: str, next_slot: int, window_end: float, now: float) -> None:
        self._remember(key, max(next_slot, self._next.get(key, (1, window_end))[0]), window_end, now)

    async def _first_free(self, key: str, low: int, limit: int) -> int:
        """The first slot not taken, in ``low … limit + 1``: taken slots form a prefix (binary search)."""
        high = limit + 1
        while low < high:
            middle = (low + high) // 2
            if await self.collection.find_one(self.slot_filter(key, middle), {"_id": 1}) is None:
                high = middle
            else:
                low = middle + 1
        return low

    def _remember(self, key: str, next_slot: int, window_end: float, now: float) -> None:
        if len(self._next) >= MAX_REMEMBERED_KEYS:
            self._next = {k: v for k, v in self._next.items() if v[1] > now}
            if len(self._next) >= MAX_REMEMBERED_KEYS:
                self._next.clear()
        self._next[key] = (next_slot, window_end)

    async def purge_expired(self, now: float | None = None) -> int:
        moment = datetime.fromtimestamp(self.clock() if now is None else now, UTC)
        result = await self.collection.delete_many({"expires_at": {"$lt": moment}})
        return int(result.deleted_count)
