"""Run the real insights service (uvicorn in-process: consumer loop, outbox relay) on the real engines,
publish events as their producers would, and wait until its consumer group has read everything."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import uvicorn
from aiokafka import AIOKafkaConsumer, TopicPartition

from pm_common.auth import issue_token
from pm_common.kafka.admin import admin_client
from pm_common.kafka.security import KafkaAuth
from pm_common.testing import poll_until
from pm_common.testing.fixtures import Engines, service_settings_values
from pm_insights.config import InsightsSettings
from pm_insights.entrypoints.api import create_app
from pm_insights.service_layer.project import CONSUMED

SECRET = "insights-it-secret-" + "x" * 32


def settings_for(engines: Engines, db_name: str, prefix: str, **overrides: Any) -> InsightsSettings:
    return InsightsSettings(**{**service_settings_values(engines, db_name, prefix, SECRET), **overrides})


@dataclass
class Running:
    url: str
    server: uvicorn.Server
    settings: InsightsSettings

    def client(
        self, role: str = "leadership", estates: tuple[str, ...] = ("*",), sub: str | None = None
    ) -> httpx.AsyncClient:
        token = issue_token(SECRET, sub or f"it-{role}", role, list(estates))  # type: ignore[arg-type]
        return httpx.AsyncClient(base_url=self.url, timeout=30, headers={"Authorization": f"Bearer {token}"})

    async def caught_up(self, bootstrap: str) -> bool:
        """Every partition of every consumed topic is committed up to its end by this instance's group."""
        return await group_caught_up(bootstrap, self.settings.topic_prefix, self.settings.consumer_group)


async def group_caught_up(bootstrap: str, prefix: str, group: str) -> bool:
    """The group's committed offsets reached the end of every partition of every consumed topic."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, **KafkaAuth.from_env().client_kwargs())
    admin = admin_client(bootstrap)
    await consumer.start()
    await admin.start()
    try:
        described = await admin.describe_topics([prefix + t for t in CONSUMED])
        partitions = [TopicPartition(d["topic"], p["partition"]) for d in described for p in d["partitions"]]
        if len(partitions) < len(CONSUMED):
            return False
        ends = await consumer.end_offsets(partitions)
        committed = await admin.list_consumer_group_offsets(group)
        return all(ends[tp] == 0 or (tp in committed and committed[tp].offset >= ends[tp]) for tp in partitions)
    finally:
        await consumer.stop()
        await admin.close()


@asynccontextmanager
async def serve(settings: InsightsSettings) -> AsyncIterator[Running]:
    app = create_app(settings)
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=settings.port, log_config=None, access_log=False)
    )
    task = asyncio.create_task(server.serve())
    running = Running(f"http://127.0.0.1:{settings.port}", server, settings)
    try:
        await poll_until(lambda: _ready(running), timeout=60, what="insights ready")
        yield running
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, 60)


async def _ready(running: Running) -> bool:
    try:
        async with httpx.AsyncClient(base_url=running.url, timeout=5) as client:
            return (await client.get("/readyz")).status_code == 200
    except httpx.HTTPError:
        return False
