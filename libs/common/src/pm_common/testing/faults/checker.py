"""Did every accepted item reach its expected final state exactly once?

Looked up where the effects live: each service's own database and the real topics. An item is
*final* when every effect below is there exactly once; *duplicated* when any effect is there more
than once (a second task, a second notification, an event applied twice to a consumer's state, two
different events for one fact); *lost* when it is accepted but not final by the deadline.
Several copies of the **same** event id on a topic are at-least-once delivery, counted as
``copies``, and fine as long as no consumer applied them twice.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from pm_common import topics
from pm_common.mongo import Mongo
from pm_common.testing.faults.topics import read_all

# events per item on each topic (distinct event ids), and owner-timeline entries at intake
EXPECTED_EVENTS = {
    topics.COMPLAINT_RECEIVED: 1,
    topics.COMPLAINT_TRIAGED: 1,
    topics.TASK_ASSIGNED: 1,
    topics.TASK_OVERDUE: 1,
    topics.TASK_RESOLVED: 1,  # dispatch no longer produces task.completed
    topics.FEEDBACK_SENT: 3,  # the owner's acknowledgement, the handler's reminder and the owner's result
}
EXPECTED_TIMELINE = {"received": 1, "triaged": 1, "assigned": 1, "result": 1, "feedback": 2}
NOTIFICATIONS = 3  # per item, as feedback.sent; two of them to the owner
DBS = ("pm_intake", "pm_triage", "pm_dispatch", "pm_sla_monitor", "pm_notifier")


@dataclass
class Verdict:
    missing: dict[str, list[str]] = field(default_factory=dict)
    duplicated: dict[str, list[str]] = field(default_factory=dict)
    copies: int = 0

    def miss(self, cid: str, what: str) -> None:
        self.missing.setdefault(cid, []).append(what)

    def dup(self, cid: str, what: str) -> None:
        self.duplicated.setdefault(cid, []).append(what)


@dataclass(frozen=True)
class Outcome:
    scenario: str
    accepted: int
    final: int
    lost: int
    duplicated: int
    copies: int
    recover_seconds: float
    details: str

    @property
    def ok(self) -> bool:
        return self.accepted > 0 and self.lost == 0 and self.duplicated == 0 and self.final == self.accepted


MAIN_STAGES = ("resolve", "onsite")  # a task's clocks the fault scenarios drive


class Checker:
    def __init__(self, mongo_url: str, run_id: str, bootstrap: str, prefix: str = "") -> None:
        self.dbs = {name: Mongo(mongo_url, f"{run_id}_{name}") for name in DBS}
        self.bootstrap = bootstrap
        self.prefix = prefix

    def close(self) -> None:
        for db in self.dbs.values():
            db.close()

    async def _by(self, db: str, coll: str, field_name: str, values: list[str]) -> list[dict[str, Any]]:
        cursor = self.dbs[db].collection(coll).find({field_name: {"$in": values}})
        return [doc async for doc in cursor]

    async def databases(self, cids: list[str]) -> Verdict:
        v = Verdict()
        wanted = set(cids)
        tids = [f"T-{c}" for c in cids]
        complaints = {d["_id"]: d for d in await self._by("pm_intake", "complaints", "_id", cids)}
        triages = {d["_id"]: d for d in await self._by("pm_triage", "triages", "_id", cids)}
        answers = {d["_id"] for d in await self._by("pm_triage", "answers", "_id", cids)}
        tasks = await self._by("pm_dispatch", "tasks", "complaint_id", cids)
        # the SLA monitor's stage clocks (pm_sla_monitor.adapters): facts per item, armed clocks, results, claims
        timers = {
            str(d["_id"])[5:-2]
            for d in await self._by("pm_sla_monitor", "item_facts", "_id", [f"task:{t}|1" for t in tids])
        }
        main = [f"{t}|{stage}" for t in tids for stage in MAIN_STAGES]
        stops = {
            str(d["_id"]).split("|")[0]
            for d in await self._by("pm_sla_monitor", "clock_results", "_id", [f"{k}|0" for k in main])
        }
        armed = {str(d["_id"]).split("|")[0] for d in await self._by("pm_sla_monitor", "armed", "_id", main)}
        levels = Counter(
            str(d["_id"]).split("|")[0]
            for d in await self._by(
                "pm_sla_monitor", "firings", "_id", [f"{k}|0|L{n}r0" for k in main for n in (1, 2, 3)]
            )
        )
        notes = await self._by("pm_notifier", "notifications", "complaint_id", cids)
        task_count = Counter(t["complaint_id"] for t in tasks)
        tasks_by = {t["complaint_id"]: t for t in tasks}
        notes_by: dict[str, list[dict[str, Any]]] = {}
        for n in notes:
            notes_by.setdefault(n["complaint_id"], []).append(n)
        for cid in wanted:
            doc = complaints.get(cid)
            if doc is None:
                v.miss(cid, "intake: no complaint")
                continue
            kinds = Counter(t["kind"] for t in doc.get("timeline", []))
            for kind, want in EXPECTED_TIMELINE.items():
                if kinds[kind] > want:
                    v.dup(cid, f"intake: timeline {kind} ×{kinds[kind]}")
                elif kinds[kind] < want:
                    v.miss(cid, f"intake: no {kind} in timeline")
            processed = Counter(doc.get("processed_events", []))
            if any(n > 1 for n in processed.values()):
                v.dup(cid, "intake: an event id processed twice")
            _expect(v, cid, doc.get("status") == "done", f"intake: status {doc.get('status')}")
            _expect(v, cid, doc.get("outbox_pending") == 0, "intake: outbox not drained")
            triage = triages.get(cid)
            _expect(v, cid, triage is not None and triage.get("decision") == "accepted", "triage: not accepted")
            _expect(v, cid, triage is not None and triage.get("outbox_pending") == 0, "triage: outbox not drained")
            _expect(v, cid, cid in answers, "triage: answer not recorded")
            if task_count[cid] > 1:
                v.dup(cid, f"dispatch: {task_count[cid]} tasks")
            task = tasks_by.get(cid)
            worked = task is not None and task.get("status") in ("resolved", "verified", "closed")
            _expect(v, cid, worked, "dispatch: task not done")
            _expect(v, cid, task is not None and task.get("outbox_pending") == 0, "dispatch: outbox not drained")
            tid = f"T-{cid}"
            _expect(v, cid, tid in timers, "sla: no timer")
            _expect(v, cid, tid in stops and tid not in armed, "sla: timer not stopped")
            _expect(v, cid, levels[tid] >= 1, "sla: reminder never fired")
            if levels[tid] > 1:
                v.dup(cid, f"sla: escalated {levels[tid]} times")
            mine = notes_by.get(cid, [])
            roles = Counter(n["recipient_role"] for n in mine)
            if len(mine) > NOTIFICATIONS or roles["owner"] > 2:
                v.dup(cid, f"notifier: {len(mine)} notifications {dict(roles)}")
            elif len(mine) < NOTIFICATIONS or any(n.get("outbox_pending") != 0 for n in mine):
                v.miss(cid, f"notifier: {len(mine)} of {NOTIFICATIONS} notifications sent")
        return v

    async def topics(self, cids: list[str], v: Verdict) -> Verdict:
        """Distinct events per item on every topic of the path (read to the end, from offset 0)."""
        wanted = set(cids)
        records = await read_all(self.bootstrap, [self.prefix + t for t in EXPECTED_EVENTS])
        ids: dict[tuple[str, str], set[str]] = {}
        seen: Counter[tuple[str, str]] = Counter()
        for r in records:
            env = r.envelope()
            cid = (env.complaintid or str(env.data.get("complaint_id"))) if env is not None else ""
            if env is None or cid not in wanted:
                continue
            topic = r.topic[len(self.prefix) :]
            ids.setdefault((topic, cid), set()).add(env.id)
            seen[(topic, env.id)] += 1
        v.copies += sum(n - 1 for (_, _), n in seen.items() if n > 1)
        for cid in wanted:
            for topic, n in EXPECTED_EVENTS.items():
                got = len(ids.get((topic, cid), ()))
                if got > n:
                    v.dup(cid, f"topic {topic}: {got} distinct events")
                elif got < n:
                    v.miss(cid, f"topic {topic}: {got} of {n} events")
        return v

    async def wait_final(self, scenario: str, cids: list[str], since: float, timeout: float) -> Outcome:
        """Poll the databases until every item is final (or the deadline), then check the topics."""
        end = time.monotonic() + timeout
        while True:
            verdict = await self.databases(cids)
            if not verdict.missing or time.monotonic() > end:
                break
            await asyncio.sleep(0.5)  # polling interval of this deadline loop
        recovered = time.monotonic() - since
        verdict = await self.topics(cids, verdict)
        bad = set(verdict.missing) | set(verdict.duplicated)
        sample = [
            f"{cid}: {'; '.join(verdict.missing.get(cid, []) + verdict.duplicated.get(cid, []))}"
            for cid in sorted(bad)[:5]
        ]
        return Outcome(
            scenario=scenario,
            accepted=len(cids),
            final=len(cids) - len(bad),
            lost=len(set(verdict.missing) - set(verdict.duplicated)),
            duplicated=len(verdict.duplicated),
            copies=verdict.copies,
            recover_seconds=round(recovered, 1),
            details="\n".join(sample),
        )


def _expect(v: Verdict, cid: str, condition: bool, what: str) -> None:
    if not condition:
        v.miss(cid, what)
