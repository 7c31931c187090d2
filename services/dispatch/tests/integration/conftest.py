"""Run the real dispatch service (uvicorn in-process, real HTTP, its consumer loop and outbox relay)
against the real engines: a random database and topic prefix per test; events are published to and
read from the real broker."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import uvicorn
from aiokafka import AIOKafkaConsumer
from pydantic import BaseModel

from pm_common import topics
from pm_common.auth import Role, issue_token
from pm_common.events import Envelope, new_event
from pm_common.kafka import KafkaPublisher
from pm_common.kafka.security import KafkaAuth
from pm_common.mongo import Mongo
from pm_common.service import server_options
from pm_common.testing import EventProbe, poll_until
from pm_common.testing.fixtures import Engines, service_settings_values
from pm_dispatch.config import DispatchSettings
from pm_dispatch.entrypoints.api import create_app

SECRET = "dispatch-it-secret-" + "x" * 32
WATCHED = [name for name in topics.TOPICS if name.startswith("task.")]


@dataclass
class Dispatch:
    url: str
    settings: DispatchSettings
    mongo: Mongo
    publisher: KafkaPublisher
    probe: EventProbe

    def client(self, role: Role, sub: str, estates: tuple[str, ...] = ("SUNNY",)) -> httpx.AsyncClient:
        token = issue_token(SECRET, sub, role, list(estates))
        return httpx.AsyncClient(base_url=self.url, timeout=20, headers={"Authorization": f"Bearer {token}"})

    async def publish(self, topic: str, payload: BaseModel, source: str = "pm/test") -> Envelope:
        envelope = new_event(payload, source=source, estate_id=str(payload.estate_id))
        await self.publisher.publish(topic, envelope)
        return envelope

    async def task(self, task_id: str, status: str | None = None, timeout: float = 30) -> dict[str, Any]:
        """The task as the API shows it to a group-wide supervisor, once it exists (in ``status``)."""

        async def check() -> dict[str, Any] | None:
            async with self.client("supervisor", "sup-probe", ("*",)) as client:
                response = await client.get(f"/v1/tasks/{task_id}")
            if response.status_code != 200:
                return None
            body: dict[str, Any] = response.json()
            return body if status is None or body["status"] == status else None

        return await poll_until(check, timeout=timeout, what=f"task {task_id} in {status or 'any status'}")

    async def events(self, topic: str, subject: str | None = None) -> list[Envelope]:
        await self.probe._drain()
        return [e for t, e, _ in self.probe.events if t == topic and subject in (None, e.subject)]


async def topics_visible(bootstrap: str, prefix: str) -> None:
    """Wait until the broker's metadata lists every topic of the namespace: a consumer group that
    joins before that is given no partitions (the leader assigns from missing metadata) and the
    test would wait for events that are never consumed."""
    client = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=None, **KafkaAuth.from_env().client_kwargs())
    await client.start()
    try:

        async def check() -> bool:
            known = await client.topics()
            return all(prefix + name in known for name in topics.TOPICS)

        await poll_until(check, timeout=60, what="topic metadata")
    finally:
        await client.stop()


async def _owns_partitions(server: uvicorn.Server) -> bool:
    runtime = getattr(server.config.app.state, "runtime", None)
    consumer = runtime.consumer if runtime is not None else None
    return bool(consumer is not None and consumer.owned)


@asynccontextmanager
async def serve(settings: DispatchSettings, mongo: Mongo) -> AsyncIterator[Dispatch]:
    await topics_visible(settings.kafka_bootstrap, settings.topic_prefix)
    server = uvicorn.Server(uvicorn.Config(create_app(settings), **server_options(settings)))
    task = asyncio.create_task(server.serve())
    publisher = KafkaPublisher(settings.kafka_bootstrap, settings.topic_prefix)
    try:
        async with EventProbe(settings.kafka_bootstrap, settings.topic_prefix, WATCHED) as probe:
            running = Dispatch(f"http://127.0.0.1:{settings.port}", settings, mongo, publisher, probe)
            await poll_until(lambda: _healthy(running), timeout=60, what="dispatch healthy")
            await poll_until(lambda: _owns_partitions(server), timeout=60, what="dispatch owns its partitions")
            yield running
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, 60)
        await publisher.close()


async def _healthy(dispatch: Dispatch) -> bool:
    try:
        async with httpx.AsyncClient(base_url=dispatch.url, timeout=5) as client:
            return (await client.get("/healthz")).status_code == 200
    except httpx.HTTPError:
        return False


@pytest.fixture
async def dispatch(engines: Engines, mongo: Mongo, topic_prefix: str) -> AsyncIterator[Dispatch]:
    values = service_settings_values(engines, mongo.db.name, topic_prefix, SECRET)
    async with serve(DispatchSettings(**values), mongo) as running:
        yield running
