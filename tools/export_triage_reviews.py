"""导出主管复核记录 / Export supervisors' reviews as labelled data for improving the triage rules.

Every review (confirm / override / reject) is joined with the complaint text and written as a TSV
with the columns of ``services/triage/data/triage_*.tsv`` (category, urgency, out_of_scope, scope,
text) plus who/when/why and what the rules had decided. Feed it to ``tools/eval_triage.py`` to see
where the rules disagree with supervisors, or merge it into the training file for
``tools/train_triage.py``.

Usage::

    .venv/bin/python tools/export_triage_reviews.py [--estate SUNNY] [--since 2026-01-01] [--out reviews.tsv]

Reads ``MONGO_URL`` and ``TRIAGE_MONGO_DB`` (defaults: local FerretDB, ``pm_triage``).
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import os
import sys
from datetime import UTC, datetime
from typing import Any

from motor.motor_asyncio import AsyncIOMotorClient

COLUMNS = [
    "category", "urgency", "out_of_scope", "scope", "text",
    "rule_decision", "rule_category", "rule_urgency", "rule_scope", "changed", "reviewed_by", "reviewed_at", "note",
]  # fmt: skip


def row(review: dict[str, Any], triage: dict[str, Any]) -> dict[str, str]:
    after, before = review["after"], review["before"]
    return {
        "category": after["category"],
        "urgency": after["urgency"],
        "out_of_scope": "1" if after["decision"] == "rejected" else "0",
        "scope": after["scope"],
        "text": " ".join(str(triage.get("content", "")).split()),  # one line, no tabs
        "rule_decision": str(before["decision"]),
        "rule_category": str(before["category"]),
        "rule_urgency": str(before["urgency"]),
        "rule_scope": str(before["scope"]),
        "changed": ",".join(review.get("changed", [])),
        "reviewed_by": review["reviewed_by"],
        "reviewed_at": review["reviewed_at"].isoformat(),
        "note": " ".join(str(review.get("note") or "").split()),
    }


async def export(url: str, db_name: str, estate: str | None, since: datetime | None, out: Any) -> int:
    client: AsyncIOMotorClient[Any] = AsyncIOMotorClient(url, tz_aware=True, serverSelectionTimeoutMS=5000)
    db = client[db_name]
    query: dict[str, Any] = {}
    if estate:
        query["estate_id"] = estate
    if since:
        query["reviewed_at"] = {"$gte": since}
    writer = csv.DictWriter(out, COLUMNS, delimiter="\t", quoting=csv.QUOTE_NONE, escapechar="\\", lineterminator="\n")
    writer.writeheader()
    count = 0
    async for review in db.reviews.find(query, {"outbox": 0, "result": 0}).sort("reviewed_at", 1):
        triage = await db.triages.find_one({"_id": review["_id"]}, {"content": 1}) or {}
        writer.writerow(row(review, triage))
        count += 1
    client.close()
    return count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--estate")
    parser.add_argument("--since", type=lambda s: datetime.fromisoformat(s).replace(tzinfo=UTC))
    parser.add_argument("--out", help="TSV file (default: stdout)")
    args = parser.parse_args()
    url = os.environ.get("MONGO_URL", "mongodb://127.0.0.1:27017")
    db_name = os.environ.get("TRIAGE_MONGO_DB", "pm_triage")
    out = open(args.out, "w", encoding="utf-8", newline="") if args.out else sys.stdout
    try:
        count = asyncio.run(export(url, db_name, args.estate, args.since, out))
    finally:
        if args.out:
            out.close()
    print(f"exported {count} review(s)", file=sys.stderr)


if __name__ == "__main__":
    main()
