"""Run the real intake app (uvicorn, in-process, real HTTP) against the real engines, per test:
a random database (``mongo`` fixture) and a random topic prefix (``topic_prefix`` fixture)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
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
from pm_intake.config import IntakeSettings
from pm_intake.entrypoints.api import create_app

SECRET = "intake-it-secret-" + "x" * 32


@dataclass
class Intake:
    url: str
    settings: IntakeSettings
    mongo: Mongo

    def staff(
        self, role: Role = "front_desk", estates: tuple[str, ...] = ("SUNNY",), sub: str = "desk-1"
    ) -> dict[str, str]:
        return {"Authorization": f"Bearer {issue_token(SECRET, sub, role, list(estates))}"}

    def client(self, **kwargs: Any) -> httpx.AsyncClient:
        return httpx.AsyncClient(base_url=self.url, timeout=20, **kwargs)

    async def new_key(self, channels: list[str], estates: list[str], name: str = "测试接入") -> str:
        async with self.client(headers=self.staff("admin", ("*",), "admin-1")) as client:
            response = await client.post(
                "/v1/admin/integrations", json={"name": name, "channels": channels, "estates": estates}
            )
            assert response.status_code == 201, response.text
            return str(response.json()["api_key"])


def settings_for(engines: Engines, mongo: Mongo, prefix: str, **overrides: Any) -> IntakeSettings:
    values: dict[str, Any] = {
        **service_settings_values(engines, mongo.db.name, prefix, SECRET),
        **overrides,
    }
    return IntakeSettings(**values)


@asynccontextmanager
async def serve(settings: IntakeSettings, mongo: Mongo, *, healthy: bool = True) -> AsyncIterator[Intake]:
    """Serve the app on a free port; wait until healthy (or, with a dead broker, until the DB is set up)."""
    server = uvicorn.Server(uvicorn.Config(create_app(settings), **server_options(settings)))
    task = asyncio.create_task(server.serve())
    intake = Intake(f"http://127.0.0.1:{settings.port}", settings, mongo)
    try:
        await poll_until(lambda: _started(server), timeout=20, what="uvicorn started")
        if healthy:
            await poll_until(lambda: _healthy(intake), timeout=60, what="intake healthy")
        else:
            await poll_until(lambda: mongo.collection("estates").find_one({"_id": "SUNNY"}), what="DB setup done")
        yield intake
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, 30)


async def _started(server: uvicorn.Server) -> bool:
    return bool(server.started)


async def _healthy(intake: Intake) -> bool:
    async with intake.client() as client:
        return (await client.get("/healthz")).status_code == 200


ServeFactory = Callable[..., Any]


@pytest.fixture
async def intake(engines: Engines, mongo: Mongo, topic_prefix: str) -> AsyncIterator[Intake]:
    async with serve(settings_for(engines, mongo, topic_prefix), mongo) as running:
        yield running


@pytest.fixture
def intake_settings(engines: Engines, mongo: Mongo, topic_prefix: str) -> Callable[..., IntakeSettings]:
    """Settings for a test that starts the app itself (e.g. with tighter limits or a dead broker)."""

    def make(**overrides: Any) -> IntakeSettings:
        return settings_for(engines, mongo, topic_prefix, **overrides)

    return make
