"""Cost of one rate-limit decision as the collection fills, old design against the new one.

    .venv/bin/python bench/ratelimit.py      (MONGO_URL picks the server; BENCH_N hits per point)

- ``insert + count``: the previous limiter — insert a hit tagged ``k``, then ``count_documents({"k"})``.
- ``slot claim``: ``pm_common.ratelimit.FixedWindowLimiter`` — one unique ``_id`` insert per hit.
Both are measured with 8 concurrent callers, each on its own source, after the collection has been
filled with ``background`` slots of other sources (the traffic of a busy day). Figures: decisions/s
and the ratio to a raw ``ping`` measured in the same run, plus what ``explain`` says of each read.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import time
import uuid
from datetime import UTC, datetime, timedelta

from pm_common.mongo import IndexModel, Mongo
from pm_common.ratelimit import FixedWindowLimiter

URL = os.environ.get("MONGO_URL", "mongodb://127.0.0.1:27017")
N = int(os.environ.get("BENCH_N", "400"))
WORKERS = 8


async def rate(total: int, op) -> float:  # type: ignore[no-untyped-def]
    per = total // WORKERS
    start = time.perf_counter()

    async def worker(w: int) -> None:
        for i in range(per):
            await op(w, i)

    await asyncio.gather(*(worker(w) for w in range(WORKERS)))
    return per * WORKERS / (time.perf_counter() - start)


async def main() -> None:
    db = Mongo(URL, f"bench_rl_{uuid.uuid4().hex[:8]}", timeout_ms=20_000)  # scans of a loaded server are slow
    try:
        info = await db.client.admin.command("buildInfo")
        server = f"FerretDB {info['ferretdbVersion']}" if "ferretdbVersion" in info else f"MongoDB {info['version']}"
        ping = await rate(N, lambda w, i: db.client.admin.command("ping"))
        print(f"server: {server} at {URL}; {N} decisions per point, {WORKERS} concurrent; ping {ping:,.0f}/s")
        old = db.collection("old_rate")
        await old.create_indexes([IndexModel([("k", 1)]), IndexModel([("expires_at", 1)])])
        new = db.collection("new_rate")
        limiter = FixedWindowLimiter(new)
        expires = datetime.now(UTC) + timedelta(hours=1)
        heads = ("background docs", "insert + count /s", "× ping", "slot claim /s", "× ping")
        print(" | ".join(f"{h:>{w}}" for h, w in zip(heads, (16, 18, 6, 14, 6), strict=True)))
        filled = 0
        for background in (0, 2_000, 8_000):
            extra = background - filled
            for start in range(0, extra, 500):  # in batches: one huge insert_many outlasts the socket timeout
                size = min(500, extra - start)
                await old.insert_many([{"k": f"bg{i % 500}", "expires_at": expires} for i in range(size)])
                await new.insert_many([{"_id": f"bg|{filled + start + i}", "expires_at": expires} for i in range(size)])
            filled = background
            run = uuid.uuid4().hex[:6]

            async def old_hit(w: int, i: int, run: str = run) -> None:
                key = hashlib.sha256(f"{run}-{w}".encode()).hexdigest()[:32]
                await old.insert_one({"k": key, "expires_at": expires})
                await old.count_documents({"k": key})

            async def new_hit(w: int, i: int, run: str = run) -> None:
                await limiter.hit(f"{run}-{w}", 10 * N, 3600)

            r_old, r_new = await rate(N, old_hit), await rate(N, new_hit)
            print(
                f"{background:>16,} | {r_old:>18,.0f} | {r_old / ping:>6.2f} | {r_new:>14,.0f} | {r_new / ping:>6.2f}"
            )
        for label, coll, query in (
            ("count on k", "old_rate", {"k": "bg1"}),
            ("slot by _id", "new_rate", {"_id": "bg|1"}),
        ):
            plan = await db.db.command("explain", {"find": coll, "filter": query})
            detail = plan.get("queryPlanner", {})
            pushdown = plan.get("filterPushdown", "n/a (MongoDB)")
            print(f"explain {label}: filterPushdown={pushdown} plan={str(detail.get('Plan', detail))[:90]}")
    finally:
        await db.drop_database()
        db.close()


if __name__ == "__main__":
    asyncio.run(main())
