"""Run the real triage service (uvicorn in-process, real HTTP, its consumer loop, outbox relay and
faust incident stream) against the real engines: a random database and topic prefix per test."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
import uvicorn

from pm_common import topics
from pm_common.auth import Role, issue_token
from pm_common.events import ComplaintReceived, Envelope, Location, new_event
from pm_common.kafka import KafkaPublisher
from pm_common.mongo import Mongo
from pm_common.service import server_options
from pm_common.testing import EventProbe, poll_until
from pm_common.testing.fixtures import Engines, service_settings_values
from pm_triage.config import TriageSettings
from pm_triage.entrypoints.api import create_app

SECRET = "triage-it-secret-" + "x" * 32
WATCHED = [
    topics.COMPLAINT_TRIAGED,
    topics.INCIDENT_DECLARED,
    topics.INCIDENT_RESOLVED,
    topics.TASK_ASSIGNED,
    topics.TASK_COMPLETED,
    topics.TASK_RESOLVED,
    topics.FEEDBACK_SENT,
]


@dataclass
class Triage:
    url: str
    settings: TriageSettings
    mongo: Mongo
    publisher: KafkaPublisher
    probe: EventProbe
    sent: list[Envelope] = field(default_factory=list)

    def staff(
        self, role: Role = "supervisor", estates: tuple[str, ...] = ("SUNNY",), sub: str = "sup-1"
    ) -> dict[str, str]:
        return {"Authorization": f"Bearer {issue_token(SECRET, sub, role, list(estates))}"}

    def client(self, role: Role = "supervisor", estates: tuple[str, ...] = ("SUNNY",)) -> httpx.AsyncClient:
        return httpx.AsyncClient(base_url=self.url, timeout=20, headers=self.staff(role, estates))

    async def complain(
        self,
        content: str,
        *,
        estate_id: str = "SUNNY",
        building: str | None = None,
        unit: str | None = None,
        room: str | None = None,
        area: str | None = None,
        anonymous: bool = False,
        phone: str | None = "138****1234",
        received_at: datetime | None = None,
        urgency: str | None = None,
    ) -> Envelope:
        """Publish a ``complaint.received`` as intake would; returns its envelope."""
        cid = uuid.uuid4().hex
        at = received_at or datetime.now(UTC)
        payload = ComplaintReceived(
            complaint_id=cid,
            reference_no=f"{estate_id}-{cid[:8]}",
            estate_id=estate_id,
            channel="anonymous" if anonymous else "app",
            content=content,
            location=Location(building=building, unit=unit, room=room, area=area),
            urgency_reported=urgency,  # type: ignore[arg-type]
            anonymous=anonymous,
            owner_phone_masked=None if anonymous else phone,
            raised_at=at,
            received_at=at,
        )
        envelope = new_event(payload, source="pm/intake", estate_id=estate_id)
        await self.publisher.publish(topics.COMPLAINT_RECEIVED, envelope)
        self.sent.append(envelope)
        return envelope

    async def triaged(self, complaint_id: str, *, count: int = 1, timeout: float = 30) -> list[Envelope]:
        return await self.probe.wait_for(
            topics.COMPLAINT_TRIAGED, lambda e: e.subject == complaint_id, count=count, timeout=timeout
        )

    async def events(self, topic: str) -> list[Envelope]:
        await self.probe._drain()
        return [e for t, e, _ in self.probe.events if t == topic]


def settings_for(engines: Engines, mongo: Mongo, prefix: str, **overrides: Any) -> TriageSettings:
    values: dict[str, Any] = {
        **service_settings_values(engines, mongo.db.name, prefix, SECRET),
        "incident_window_seconds": 600,
        "incident_step_seconds": 120,
        "incident_threshold": 3,
        "incident_partitions": 2,
        **overrides,
    }
    return TriageSettings(**values)


@asynccontextmanager
async def serve(settings: TriageSettings, mongo: Mongo) -> AsyncIterator[Triage]:
    server = uvicorn.Server(uvicorn.Config(create_app(settings), **server_options(settings)))
    task = asyncio.create_task(server.serve())
    publisher = KafkaPublisher(settings.kafka_bootstrap, settings.topic_prefix)
    try:
        async with EventProbe(settings.kafka_bootstrap, settings.topic_prefix, WATCHED) as probe:
            triage = Triage(f"http://127.0.0.1:{settings.port}", settings, mongo, publisher, probe)
            await poll_until(lambda: _healthy(triage), timeout=60, what="triage healthy")
            if settings.incidents_enabled:
                await poll_until(lambda: _stream_running(server), timeout=60, what="incident stream running")
            yield triage
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, 60)
        await publisher.close()


async def _healthy(triage: Triage) -> bool:
    try:
        async with httpx.AsyncClient(base_url=triage.url, timeout=5) as client:
            return (await client.get("/healthz")).status_code == 200
    except httpx.HTTPError:
        return False


async def _stream_running(server: uvicorn.Server) -> bool:
    app = server.config.app
    runtime = getattr(app.state, "runtime", None)
    stream = runtime.state["triage"].stream if runtime is not None and "triage" in runtime.state else None
    return bool(stream is not None and stream.running)


@pytest.fixture
def triage_settings(engines: Engines, mongo: Mongo, topic_prefix: str) -> Callable[..., TriageSettings]:
    def make(**overrides: Any) -> TriageSettings:
        return settings_for(engines, mongo, topic_prefix, **overrides)

    return make


@pytest.fixture
async def triage(triage_settings: Callable[..., TriageSettings], mongo: Mongo) -> AsyncIterator[Triage]:
    async with serve(triage_settings(), mongo) as running:
        yield running


@pytest.fixture
def serve_triage() -> Callable[[TriageSettings, Mongo], Any]:
    """For tests that start (and restart) the service themselves."""
    return serve
