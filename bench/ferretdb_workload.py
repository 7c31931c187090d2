"""Measures the document DB under the platform's write patterns and checks it stays correct.

    make bench            (engines must be reachable; MONGO_URL picks another server, e.g. MongoDB 7)

Figures printed (ops/s, and the ratio to a raw ``ping`` round-trip measured in the same run):
1. concurrent inserts with the outbox shape (1, 8, 32 writers)
2. ``find_one_and_update`` ``$inc`` on an indexed counter (the reference-number sequence) under
   32 concurrent writers — the final value must equal the number of increments
3. unique-index violations under concurrency — of 32 writers racing on one key exactly one wins
"""

from __future__ import annotations

import asyncio
import os
import time
import uuid

from pm_common.mongo import DuplicateKeyError, IndexModel, Mongo, ReturnDocument

URL = os.environ.get("MONGO_URL", "mongodb://127.0.0.1:27017")
N = int(os.environ.get("BENCH_N", "2000"))


async def timed(label: str, total: int, workers: int, op) -> float:  # type: ignore[no-untyped-def]
    per = total // workers
    start = time.perf_counter()

    async def worker(w: int) -> None:
        for i in range(per):
            await op(w, i)

    await asyncio.gather(*(worker(w) for w in range(workers)))
    rate = per * workers / (time.perf_counter() - start)
    return rate


async def main() -> None:
    db = Mongo(URL, f"bench_{uuid.uuid4().hex[:8]}")
    try:
        info = await db.client.admin.command("buildInfo")
        server = f"FerretDB {info['ferretdbVersion']}" if "ferretdbVersion" in info else f"MongoDB {info['version']}"
        print(f"server: {server} at {URL}; N={N}")
        baseline = await timed("ping", N, 8, lambda w, i: db.client.admin.command("ping"))
        print(f"baseline ping (8 concurrent): {baseline:,.0f} ops/s")

        docs = db.collection("complaints")
        await docs.create_indexes([IndexModel([("reference_no", 1)], unique=True), IndexModel([("outbox_pending", 1)])])
        for workers in (1, 8, 32):

            async def insert(w: int, i: int, workers: int = workers) -> None:
                await docs.insert_one(
                    {
                        "_id": uuid.uuid4().hex,
                        "reference_no": f"B{workers}-{w}-{i}",
                        "content": "电梯坏了" * 20,
                        "outbox": {uuid.uuid4().hex: {"topic": "complaint.received", "event": "{}" * 200}},
                        "outbox_pending": 1,
                    }
                )

            rate = await timed("insert", N, workers, insert)
            print(f"insert with outbox, {workers:>2} writers: {rate:,.0f} ops/s  ({rate / baseline:.2f}x ping)")

        counters = db.collection("counters")
        await counters.create_indexes([IndexModel([("estate", 1), ("day", 1)], unique=True)])
        await counters.insert_one({"_id": "SUNNY:20261122", "estate": "SUNNY", "day": "20261122", "seq": 0})

        async def bump(w: int, i: int) -> None:
            await counters.find_one_and_update(
                {"estate": "SUNNY", "day": "20261122"}, {"$inc": {"seq": 1}}, return_document=ReturnDocument.AFTER
            )

        rate = await timed("fam", N, 32, bump)
        final = (await counters.find_one({"_id": "SUNNY:20261122"}))["seq"]
        status = "OK" if final == N // 32 * 32 else f"LOST UPDATES ({final} != {N // 32 * 32})"
        print(f"find_one_and_update $inc, 32 writers: {rate:,.0f} ops/s  ({rate / baseline:.2f}x ping); {status}")

        races = max(N // 100, 10)
        wins = 0
        start = time.perf_counter()
        for r in range(races):

            async def attempt(r: int = r) -> bool:
                try:
                    await docs.insert_one({"_id": uuid.uuid4().hex, "reference_no": f"RACE-{r}"})
                    return True
                except DuplicateKeyError:
                    return False

            results = await asyncio.gather(*(attempt() for _ in range(32)))
            wins += sum(results)
        rate = races * 32 / (time.perf_counter() - start)
        status = "OK" if wins == races else f"BROKEN ({wins} winners for {races} keys)"
        print(
            f"unique-index races, 32 writers x {races} keys: {rate:,.0f} attempts/s  "
            f"({rate / baseline:.2f}x ping); {status}"
        )
    finally:
        await db.drop_database()
        db.close()


if __name__ == "__main__":
    asyncio.run(main())
