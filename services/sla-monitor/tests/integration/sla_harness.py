"""Helpers to run the real SLA monitor (uvicorn in-process, its consumer loop, outbox relay and scheduler)
against the real engines with a manual clock: a random database and topic prefix per test."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import uvicorn
from pydantic import BaseModel

from pm_common import topics
from pm_common.auth import issue_token
from pm_common.events import Envelope, TaskAssigned, TaskCancelled, TaskCompleted, new_event
from pm_common.kafka import KafkaPublisher
from pm_common.mongo import Mongo
from pm_common.testing import EventProbe, poll_until
from pm_common.testing.fixtures import Engines, service_settings_values
from pm_sla_monitor.adapters.clock import ManualClock
from pm_sla_monitor.config import SlaSettings
from pm_sla_monitor.entrypoints.api import create_app
from pm_sla_monitor.service_layer.monitor import Monitor

SECRET = "sla-it-secret-" + "x" * 32
START = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
STEP = timedelta(hours=1)


@dataclass
class Driver:
    """Publishes task events as dispatch would, and reads task.overdue from the real topic."""

    publisher: KafkaPublisher
    probe: EventProbe
    mongo: Mongo
    clock: ManualClock

    async def assign(self, task_id: str, due_at: datetime, complaint_id: str | None = None) -> TaskAssigned:
        cid = complaint_id or "c-" + task_id
        task = TaskAssigned(
            task_id=task_id,
            complaint_id=cid,
            estate_id="SUNNY",
            department="engineering",
            category="engineering",
            urgency="general",
            due_at=due_at,
            assigned_at=START,
        )
        await self.publisher.publish(topics.TASK_ASSIGNED, new_event(task, source="pm/dispatch", estate_id="SUNNY"))
        return task

    async def complete(self, task_id: str) -> None:
        done = TaskCompleted(
            task_id=task_id, complaint_id="c-" + task_id, estate_id="SUNNY", result_summary="ok", completed_at=START
        )
        await self.publisher.publish(topics.TASK_COMPLETED, _event(done))

    async def cancel(self, task_id: str) -> None:
        cancelled = TaskCancelled(
            task_id=task_id, complaint_id="c-" + task_id, estate_id="SUNNY", reason="withdrawn", cancelled_at=START
        )
        await self.publisher.publish(topics.TASK_CANCELLED, _event(cancelled))

    async def armed(self, *task_ids: str, stage: str = "resolve") -> None:
        for task_id in task_ids:
            await poll_until(
                lambda t=task_id: self.mongo.collection("armed").find_one({"_id": f"{t}|{stage}"}),
                what=f"{task_id} armed",
            )

    async def stopped(self, *task_ids: str) -> None:
        """The stop is recorded as a fact of the task (it may have overtaken the assignment)."""
        for task_id in task_ids:

            async def seen(t: str = task_id) -> bool:
                facts = [
                    f async for f in self.mongo.collection("item_facts").find({"_id": {"$regex": f"^task:{t}\\|"}})
                ]
                return any(f["f"]["type"] in ("task.completed", "task.cancelled", "task.resolved") for f in facts)

            await poll_until(seen, what=f"{task_id} stopped")

    async def publish(self, topic: str, payload: BaseModel) -> Envelope:
        event = new_event(payload, source="pm/dispatch", estate_id=getattr(payload, "estate_id", "SUNNY"))
        await self.publisher.publish(topic, event)
        return event

    async def overdue(self, task_id: str, *, count: int = 1, timeout: float = 30) -> list[Envelope]:
        return await self.probe.wait_for(
            topics.TASK_OVERDUE, lambda e: e.data["task_id"] == task_id, count=count, timeout=timeout
        )

    async def warnings(self, task_id: str, *, count: int = 1, timeout: float = 30) -> list[Envelope]:
        return await self.probe.wait_for(
            topics.TASK_SLA_WARNING, lambda e: e.data["task_id"] == task_id, count=count, timeout=timeout
        )

    async def all_of(self, topic: str) -> list[Envelope]:
        await self.probe._drain()
        return [e for t, e, _ in self.probe.events if t == topic]

    async def all_overdue(self) -> list[Envelope]:
        await self.probe._drain()
        return [e for t, e, _ in self.probe.events if t == topics.TASK_OVERDUE]


def _event(payload: TaskCompleted | TaskCancelled) -> Envelope:
    return new_event(payload, source="pm/dispatch", estate_id=payload.estate_id)


@dataclass
class Running:
    url: str
    server: uvicorn.Server

    @property
    def monitor(self) -> Monitor:
        monitor: Monitor = self.server.config.app.state.runtime.state["monitor"]
        return monitor

    def client(self) -> httpx.AsyncClient:
        token = issue_token(SECRET, "sup-1", "supervisor", ["SUNNY"])
        return httpx.AsyncClient(base_url=self.url, timeout=20, headers={"Authorization": f"Bearer {token}"})


def settings_for(engines: Engines, mongo: Mongo, prefix: str, **overrides: Any) -> SlaSettings:
    values: dict[str, Any] = {
        **service_settings_values(engines, mongo.db.name, prefix, SECRET),
        "escalation_step_seconds": STEP.total_seconds(),
        "sweep_seconds": 0.2,
        **overrides,
    }
    return SlaSettings(**values)


@asynccontextmanager
async def serve(settings: SlaSettings, clock: ManualClock) -> AsyncIterator[Running]:
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(settings, clock), host="127.0.0.1", port=settings.port, log_config=None, access_log=False
        )
    )
    task = asyncio.create_task(server.serve())
    running = Running(f"http://127.0.0.1:{settings.port}", server)
    try:
        await poll_until(lambda: _healthy(running), timeout=60, what="sla-monitor healthy")
        await poll_until(lambda: _owning(running), timeout=60, what="sla-monitor owning partitions")
        yield running
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, 60)


async def _healthy(running: Running) -> bool:
    try:
        async with httpx.AsyncClient(base_url=running.url, timeout=5) as client:
            return (await client.get("/healthz")).status_code == 200
    except httpx.HTTPError:
        return False


async def _owning(running: Running) -> bool:
    return running.monitor.assignments > 0 and bool(running.monitor.schedule.partitions)


def new_id() -> str:
    return "T-" + uuid.uuid4().hex[:12]
