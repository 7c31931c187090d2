"""Serve the real dispatch app (uvicorn, in-process, real HTTP) on the real engines, per test:
a random database and topic prefix; tokens for the roles that manage and read organisations."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import uvicorn

from pm_common.auth import Role, issue_token
from pm_common.mongo import Mongo
from pm_common.service import server_options
from pm_common.testing import poll_until
from pm_common.testing.fixtures import Engines, service_settings_values
from pm_dispatch.config import DispatchSettings
from pm_dispatch.entrypoints.api import create_app

SECRET = "dispatch-org-it-secret-" + "x" * 32


@dataclass
class Dispatch:
    url: str
    settings: DispatchSettings
    mongo: Mongo

    def token(self, role: Role, estates: tuple[str, ...] = ("SUNNY",), sub: str = "pm-1") -> dict[str, str]:
        return {"Authorization": f"Bearer {issue_token(SECRET, sub, role, list(estates))}"}

    def client(
        self, role: Role | None = None, estates: tuple[str, ...] = ("SUNNY",), sub: str = "pm-1"
    ) -> httpx.AsyncClient:
        headers = self.token(role, estates, sub) if role else {}
        return httpx.AsyncClient(base_url=self.url, timeout=30, headers=headers)

    def notifier(self) -> httpx.AsyncClient:
        return self.client("integration", ("*",), "service:notifier")


async def _healthy(url: str) -> bool:
    async with httpx.AsyncClient(base_url=url, timeout=5) as client:
        try:
            return (await client.get("/healthz")).status_code == 200
        except httpx.HTTPError:
            return False


@pytest.fixture
async def dispatch(engines: Engines, mongo: Mongo, topic_prefix: str) -> AsyncIterator[Dispatch]:
    values: dict[str, Any] = service_settings_values(engines, mongo.db.name, topic_prefix, SECRET)
    settings = DispatchSettings(**values)
    server = uvicorn.Server(uvicorn.Config(create_app(settings), **server_options(settings)))
    task = asyncio.create_task(server.serve())
    running = Dispatch(f"http://127.0.0.1:{settings.port}", settings, mongo)
    try:
        await poll_until(lambda: _healthy(running.url), timeout=60, what="dispatch healthy")
        yield running
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, 30)
