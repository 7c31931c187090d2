"""Operations on parked outbox entries (entries the broker refused again and again).

    python -m pm_common.kafka.outbox_admin --db pm_intake list
    python -m pm_common.kafka.outbox_admin --db pm_intake retry <event id> [<event id> ...]
    python -m pm_common.kafka.outbox_admin --db pm_intake retry --all

``MONGO_URL`` names the database server as for the services. A retried entry goes back into its
document's outbox (with a fresh pointer) and the running service's relay publishes it within one
sweep; nothing else about the document changes.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from typing import Any

from pm_common.kafka.outbox import PARKED
from pm_common.mongo import Mongo


async def list_parked(mongo: Mongo) -> list[dict[str, Any]]:
    return [doc async for doc in mongo.db[PARKED].find({})]


async def retry(mongo: Mongo, event_id: str) -> bool:
    """Put one parked entry back into its document's outbox; ``False`` if it is not parked."""
    listing = await mongo.db[PARKED].find_one({"_id": event_id})
    if listing is None:
        return False
    coll = mongo.collection(listing["c"])
    doc = await coll.find_one({"_id": listing["d"]}, {f"{PARKED}.{event_id}": 1})
    entry = ((doc or {}).get(PARKED) or {}).get(event_id)
    if entry is None:
        await mongo.db[PARKED].delete_one({"_id": event_id})
        return False
    entry = {k: v for k, v in entry.items() if k not in ("reason", "parked_at")}
    await coll.update_one(
        {"_id": listing["d"]},
        {"$set": {f"outbox.{event_id}": entry}, "$unset": {f"{PARKED}.{event_id}": ""}, "$inc": {"outbox_pending": 1}},
    )
    await mongo.db[PARKED].delete_one({"_id": event_id})
    return True


async def _main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="outbox_admin", description="parked outbox entries")
    parser.add_argument("--db", required=True, help="the service database, e.g. pm_intake")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("list")
    again = sub.add_parser("retry")
    again.add_argument("event_ids", nargs="*")
    again.add_argument("--all", action="store_true")
    args = parser.parse_args(argv)
    mongo = Mongo(os.environ.get("MONGO_URL", "mongodb://127.0.0.1:27017"), args.db)
    try:
        parked = await list_parked(mongo)
        if args.command == "list":
            for p in parked:
                print(f"{p['_id']}  {p.get('topic')}  {p['c']}/{p['d']}  {p.get('at')}  {p.get('reason')}")
            print(f"{len(parked)} parked")
            return 0
        ids = [p["_id"] for p in parked] if args.all else args.event_ids
        done = 0
        for event_id in ids:
            ok = await retry(mongo, event_id)
            done += ok
            print(f"{event_id}: {'back in the outbox' if ok else 'not parked'}")
        print(f"{done} of {len(ids)} put back")
        return 0 if done == len(ids) else 1
    finally:
        mongo.close()


if __name__ == "__main__":
    sys.exit(asyncio.run(_main(sys.argv[1:])))
