"""Load for the fault-injection suite: owners' complaints filed at intake, tasks completed by handlers.

Every request carries an ``Idempotency-Key``, so a retry after a lost response (crashed service,
dead DB) never files an item twice; an item counts as *accepted* once intake answered 201/200 with
its reference number. The handler side completes each task once its SLA timer has fired (the
reminder ``task.overdue`` is part of the expected path), like staff working through the ledger.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from dataclasses import dataclass, field

import httpx

from pm_common.mongo import Mongo

# Items triage accepts (engineering / cleaning, no household, no incident): the expected path is
# received → triaged(accepted) → task assigned → overdue reminder → completed → owner told.
CONTENTS = (
    "小区大门的伸缩门坏了，一直开着",
    "3号楼电梯按钮坏了，请派人维修",
    "地下车库的灯坏了好几盏，晚上很黑",
    "小区垃圾桶满了好几天没人清理，很臭",
)


@dataclass(frozen=True)
class Accepted:
    complaint_id: str
    reference_no: str
    at: float


@dataclass
class Load:
    """Files ``count`` items tagged ``tag`` at a steady pace and completes their tasks."""

    intake_url: str
    dispatch_url: str
    token: str
    sla_db: Mongo
    estate_id: str = "SUNNY"
    accepted: dict[str, Accepted] = field(default_factory=dict)
    completed: set[str] = field(default_factory=set)
    by_tag: Counter[str] = field(default_factory=Counter)
    tagged: dict[str, list[Accepted]] = field(default_factory=dict)
    retries: int = 0
    handler_token: str | None = None  # who works the tasks (a supervisor of the estates); else ``token``

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    @property
    def handler_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.handler_token or self.token}"}

    async def file(self, tag: str, count: int, *, pace: float, deadline: float = 180.0) -> list[Accepted]:
        """File ``count`` items, one every ``pace`` seconds (up to 8 in flight); returns those accepted."""
        end = time.monotonic() + deadline
        mine: list[Accepted] = []
        gate = asyncio.Semaphore(8)
        async with httpx.AsyncClient(base_url=self.intake_url, headers=self.headers, timeout=10) as client:

            async def one(i: int) -> None:
                async with gate:
                    item = await self._file_one(client, f"{tag}-{i}", CONTENTS[i % len(CONTENTS)], end)
                if item is not None:
                    mine.append(item)
                    self.by_tag[tag] += 1
                    self.tagged.setdefault(tag, []).append(item)

            tasks = []
            for i in range(count):
                tasks.append(asyncio.create_task(one(i)))
                await asyncio.sleep(pace)  # the load's own rhythm (requests per second), not a wait for state
            await asyncio.gather(*tasks)
        return mine

    async def _file_one(self, client: httpx.AsyncClient, key: str, content: str, end: float) -> Accepted | None:
        body = {"estate_id": self.estate_id, "channel": "app", "content": f"{content}（{key}）"}
        while time.monotonic() < end:
            try:
                response = await client.post("/v1/complaints", json=body, headers={"Idempotency-Key": key})
            except httpx.HTTPError:
                response = None
            if response is not None and response.status_code in (200, 201):
                ack = response.json()
                item = Accepted(ack["complaint_id"], ack["reference_no"], time.monotonic())
                self.accepted.setdefault(item.complaint_id, item)
                return item
            if response is not None and response.status_code < 500 and response.status_code != 429:
                raise AssertionError(f"intake refused {key}: {response.status_code} {response.text}")
            self.retries += 1
            await asyncio.sleep(0.3)  # retry back-off while intake or its DB is down
        return None

    async def complete_tasks(self, stop: asyncio.Event) -> None:
        """Until ``stop``: complete every accepted item's task whose SLA timer has fired (level ≥ 1)."""
        firings = self.sla_db.collection("firings")  # one claim per clock × step: the breach (L1) fired
        async with httpx.AsyncClient(base_url=self.dispatch_url, headers=self.headers, timeout=10) as client:
            while not stop.is_set():
                pending = [f"T-{cid}" for cid in self.accepted if cid not in self.completed]
                fired: list[str] = []
                if pending:
                    try:
                        keys = [f"{t}|{stage}|0|L1r0" for t in pending for stage in ("resolve", "onsite")]
                        cursor = firings.find({"_id": {"$in": keys}}, {"_id": 1})
                        fired = list(dict.fromkeys([str(doc["_id"]).split("|")[0] async for doc in cursor]))
                    except Exception:  # the DB may be down in this very scenario: look again next round
                        fired = []
                for task_id in fired:
                    await self._complete(client, task_id)
                try:
                    await asyncio.wait_for(stop.wait(), 0.3)
                except TimeoutError:
                    pass

    async def _complete(self, client: httpx.AsyncClient, task_id: str) -> None:
        """Walk the task as its handler would: accept, check in on site, resolve with the owner's
        confirmation. An ``illegal_transition`` 409 means the step was done already (an earlier answer
        was lost); any other refusal (``concurrent_change`` while a writer that died with the DB still
        holds the document's version lease, ``rule_violated`` because the check-in did not land) means
        try again next round. The task counts as completed only once dispatch shows it resolved."""
        steps: list[tuple[str, dict[str, object] | None]] = [
            ("accept", None),
            ("check-in", {"evidence_ids": []}),
            (
                "resolve",
                {
                    "handling_mode": "rectification",
                    "result_summary": "已处理完毕，恢复正常",
                    "owner_confirmation_ref": "faults-sign",
                },
            ),
        ]
        try:
            for step, body in steps:
                response = await client.post(f"/v1/tasks/{task_id}/{step}", json=body, headers=self.handler_headers)
                if response.status_code >= 500 or response.status_code == 404:  # down, or not visible yet
                    self.retries += 1
                    return
                if response.status_code == 409 and _code(response) != "illegal_transition":
                    self.retries += 1
                    return
                if response.status_code not in (200, 409):
                    refused = f"{response.status_code} {response.text}"
                    raise AssertionError(f"dispatch refused to {step} {task_id}: {refused}")
            shown = await client.get(f"/v1/tasks/{task_id}", headers=self.handler_headers)
        except httpx.HTTPError:
            self.retries += 1
            return
        if shown.status_code != 200 or shown.json().get("status") not in ("resolved", "verified", "closed"):
            self.retries += 1
            return
        self.completed.add(task_id.removeprefix("T-"))


def _code(response: httpx.Response) -> str:
    try:
        return str(response.json()["error"]["code"])
    except (ValueError, KeyError, TypeError):
        return ""
