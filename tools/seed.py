"""Seed intake with N realistic register entries: ``make seed N=100000``.

Every channel, the demo estates SUNNY / JADE / JINXIU and nine more, all categories, statuses as
items of their age would have them, dates spread over the last year, Chinese texts composed from
parts (``tools/seed_corpus.py``). Items are built with intake's own ``build_item`` (the same
document a registration stores) and written through the repository's documented bulk path
``MongoComplaintRepository.bulk_insert``: complaints, reference-number claims and the ledger index
entries, many per write. Historic items publish no events (they are not re-announced downstream).

Uses ``MONGO_URL`` and ``INTAKE_MONGO_DB`` like the service (``--db`` overrides the database).
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import random
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).parent))

import seed_corpus as corpus

from pm_common.mongo import Mongo
from pm_intake.adapters.repository import MongoComplaintRepository
from pm_intake.config import IntakeSettings
from pm_intake.domain import lifecycle
from pm_intake.domain.channels import Submitter, check_registration
from pm_intake.domain.model import Registration
from pm_intake.service_layer.handlers import build_item
from pm_intake.service_layer.policy import IntakePolicy

TZ = ZoneInfo("Asia/Shanghai")
STAFF = Submitter(integration=False)
INTEGRATION = Submitter(integration=True)


class Generator:
    def __init__(self, seed: int, days: int, now: datetime, policy: IntakePolicy) -> None:
        self.rng = random.Random(seed)
        self.days, self.now, self.policy = days, now, policy
        self.estates = {
            e[0]: {"_id": e[0], "name": e[1], "city": e[2], "timezone": "Asia/Shanghai"} for e in corpus.ESTATES
        }
        self.sequences: dict[str, int] = {}

    def pick(self, weighted: list[Any]) -> Any:
        return self.rng.choices(weighted, weights=[w[-1] for w in weighted])[0]

    def content(self, category: str) -> str:
        r = self.rng
        fill = {
            "b": r.randint(1, 28),
            "u": r.randint(1, 4),
            "z": r.choice("ABCD"),
            "f": r.randint(1, 32),
            "r": r.randint(1, 6),
            "n": r.randint(2, 15),
        }
        text = r.choice(corpus.OPENERS) + r.choice(corpus.PLACES) + r.choice(corpus.PROBLEMS[category])
        detail = r.choice(corpus.DETAILS)
        return (text + ("，" + detail if detail else "") + "，" + r.choice(corpus.REQUESTS) + "。").format(**fill)

    def registration(self, estate: str, channel: str, category: str, raised: datetime) -> Registration:
        r = self.rng
        name = r.choice(corpus.SURNAMES) + r.choice(corpus.GIVEN)
        phone = f"13{r.randint(0, 9)}{r.randint(0, 99_999_999):08d}"
        building, room = str(r.randint(1, 28)), f"{r.randint(1, 32)}0{r.randint(1, 6)}"
        owner: dict[str, Any] = {"name": name, "phone": phone, "building": building, "room": room}
        details: dict[str, Any] = {}
        if channel == "email":
            owner["email"] = f"owner{r.randint(1, 99999)}@example.com"
        if channel in ("letter", "fax", "email"):
            details["document_ref"] = f"SW-{raised:%Y%m%d}-{r.randint(1, 999):03d}"
        extra = {
            "suggestion_box": {"box_id": f"BOX-{r.randint(1, 6)}", "opened_at": raised.isoformat()},
            "wechat": {"wechat_source": r.choice(["official_account", "mini_program"])},
            "owner_group": {"group_name": f"{self.estates[estate]['name']}{building}号楼业主群"},
            "owner_meeting": {"session_ref": f"MEET-{raised:%Y%m}"},
            "survey": {"session_ref": f"SURVEY-{raised:%Y}H{1 if raised.month <= 6 else 2}"},
            "visit": {"visit_purpose": r.choice(["new_resident", "elderly_alone", "routine", "follow_up"])},
        }
        details.update(extra.get(channel, {}))
        if channel in ("suggestion_box", "survey", "owner_meeting", "fax") and r.random() < 0.5:
            owner = {"building": building, "room": room}
        urgent = category == "engineering" and r.random() < 0.25
        return Registration.model_validate(
            {
                "estate_id": estate,
                "channel": channel,
                "content": self.content(category),
                "location": {"building": building},
                "owner": None if channel == "anonymous" else owner,
                "urgency_reported": "urgent" if urgent else r.choice(["general", "general", "suggestion", None]),
                "raised_at": raised,
                "channel_details": details,
                "readback_confirmed": channel in ("front_desk", "phone", "visit"),
            }
        )

    def item(self) -> tuple[dict[str, Any], tuple[str, int] | None]:
        r = self.rng
        estate = self.pick(corpus.ESTATES)[0]
        channel = self.pick(corpus.CHANNELS)[0]
        category, department, _ = self.pick(corpus.CATEGORIES)
        received = self.now - timedelta(seconds=r.uniform(60, self.days * 86400))
        reg = self.registration(estate, channel, category, received - timedelta(minutes=r.randint(0, 90)))
        check_registration(reg, INTEGRATION if channel == "open311" else STAFF, staff_phone_needs_call_id=False)
        cid = f"{r.getrandbits(128):032x}"
        recorder = "integration:ik_demo" if channel == "open311" else f"{estate.lower()}-desk-{r.randint(1, 5)}"
        age_days = (self.now - received).total_seconds() / 86400
        draft = age_days < 1 and channel in ("front_desk", "phone", "visit") and r.random() < 0.05
        scope = f"{estate}:{received.astimezone(TZ):%Y%m%d}"
        claim = None
        if not draft:
            self.sequences[scope] = self.sequences.get(scope, 0) + 1
            claim = (scope, self.sequences[scope])
        fingerprint = hashlib.sha256(cid.encode()).hexdigest()
        doc, _events = build_item(
            reg, cid, recorder, fingerprint, self.estates[estate], claim[1] if claim else None, self.policy, received
        )
        if draft:
            doc["readback"]["confirmed"] = False
        else:
            self.progress(doc, category, department, age_days)
        return doc, claim

    def progress(self, doc: dict[str, Any], category: str, department: str, age_days: float) -> None:
        """Move the item as far as an item of its age usually is (triaged, assigned, done, closed)."""
        r = self.rng
        if r.random() < 0.04:
            status = "withdrawn" if age_days > 1 else "received"
        elif age_days < 0.1:
            status = r.choice(["received", "received", "triaged", "in_progress"])
        elif age_days < 3:
            status = r.choice(["triaged", "in_progress", "in_progress", "done", "rejected"])
        elif age_days < 10:
            status = r.choice(["in_progress", "done", "done", "closed", "closed", "rejected"])
        else:
            status = r.choices(["closed", "done", "rejected", "in_progress"], weights=[80, 12, 5, 3])[0]
        at: datetime = doc["received_at"]
        rev = 1
        if status in ("triaged", "in_progress", "done", "closed", "rejected"):
            at += timedelta(minutes=r.randint(1, 30))
            decision = "rejected" if status == "rejected" else "accepted"
            doc["triage"] = {"decision": decision, "category": category, "urgency": "general", "scope": "unit"}
            doc["category"] = category
            doc["timeline"].append(lifecycle.entry(at, "triaged", f"已分类：{category}"))
            rev += 1
        if status in ("in_progress", "done", "closed"):
            at += timedelta(hours=r.randint(1, 20))
            doc.update(task_id=f"task-{doc['_id'][:12]}", department=department)
            doc["handler_id"] = f"{doc['estate_id'].lower()}-{department}-{r.randint(1, 6)}"
            doc["timeline"].append(lifecycle.entry(at, "assigned", f"已派单至 {department}"))
            rev += 1
        if status in ("done", "closed"):
            at += timedelta(hours=r.randint(2, 72))
            doc["timeline"].append(lifecycle.entry(at, "result", "已处理完毕"))
            rev += 1
        if status == "withdrawn":
            doc["withdrawal"] = {"at": at, "reason": "已自行解决"}
            doc["timeline"].append(lifecycle.entry(at, "withdrawn", "业主已撤回"))
            rev += 1
        if doc["status"] != "closed":  # items answered on the spot stay closed
            doc["status"] = status
        doc["rev"] = rev

    def items(self, n: int) -> Iterator[tuple[dict[str, Any], tuple[str, int] | None]]:
        for _ in range(n):
            yield self.item()


async def seed(
    repo: MongoComplaintRepository, generator: Generator, n: int, chunk: int = 2000, quiet: bool = False
) -> float:
    """Write ``n`` items in chunks (the next chunk is composed while the last one is written);
    returns the items per second achieved."""
    for estate in generator.estates.values():
        await repo.upsert_estate(estate)
    started, done = time.perf_counter(), 0

    def compose(size: int) -> tuple[list[dict[str, Any]], list[tuple[str, int]]]:
        items = list(generator.items(size))
        return [d for d, _ in items], [c for _, c in items if c]

    pending = asyncio.create_task(asyncio.to_thread(compose, min(chunk, n)))
    while done < n:
        docs, claims = await pending
        left = n - done - len(docs)
        if left > 0:
            pending = asyncio.create_task(asyncio.to_thread(compose, min(chunk, left)))
        await repo.bulk_insert(docs, claims)
        done += len(docs)
        if not quiet:
            rate = done / (time.perf_counter() - started)
            print(f"seeded {done:,}/{n:,} items ({rate:,.0f}/s)", file=sys.stderr, flush=True)
    await repo.index.compact_all()
    elapsed = time.perf_counter() - started
    if not quiet:
        print(f"seeded {done:,} items in {elapsed:,.1f} s ({done / elapsed:,.0f}/s), index compacted", file=sys.stderr)
    return done / elapsed


async def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("n", type=int, help="number of items")
    parser.add_argument("--db", help="database (default: INTAKE_MONGO_DB or pm_intake)")
    parser.add_argument("--seed", type=int, default=7, help="random seed (same seed, same items)")
    parser.add_argument("--days", type=int, default=365, help="spread received times over this many days")
    args = parser.parse_args(argv)
    settings = IntakeSettings()
    mongo = Mongo(settings.mongo_url, args.db or settings.mongo_db)
    try:
        if await mongo.collection("complaints").find_one({}, {"_id": 1}) is not None:
            raise SystemExit(f"database {mongo.db.name} already holds items: seed an empty one (--db NAME)")
        await MongoComplaintRepository.create_indexes(mongo)
        repo = MongoComplaintRepository(mongo)
        await seed(repo, Generator(args.seed, args.days, datetime.now(UTC), settings.policy()), args.n)
    finally:
        mongo.close()


if __name__ == "__main__":
    asyncio.run(main())
