"""The notifier running for real (its FastAPI app under uvicorn, consumer, relay, timer job) against
the real broker and DB, the local sink (real SMTP + HTTP) and a real contact directory."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
import uvicorn
from pydantic import BaseModel

from pm_common import topics
from pm_common.auth import Role, issue_token
from pm_common.events import Envelope, new_event
from pm_common.kafka import KafkaPublisher
from pm_common.runtime import ServiceRuntime
from pm_common.testing import EventProbe, free_port, poll_until, unique_name
from pm_common.testing.fixtures import Engines, topics_visible
from pm_notifier.bootstrap import SUBSCRIBED, Clock, clock_of, ports_of
from pm_notifier.config import NotifierSettings
from pm_notifier.entrypoints.api import create_app
from pm_notifier.localsink.runner import RunningSink
from pm_notifier.service_layer.context import NotifierPorts

SECRET = "notifier-test-secret-" + "x" * 20
WATCHED = [topics.FEEDBACK_SENT, topics.SURVEY_ANSWERED, topics.RETURN_VISIT_RECORDED]


@dataclass
class Rig:
    runtime: ServiceRuntime
    settings: NotifierSettings
    publisher: KafkaPublisher
    probe: EventProbe
    sink: RunningSink
    url: str

    @property
    def ports(self) -> NotifierPorts:
        return ports_of(self.runtime)

    @property
    def clock(self) -> Clock:
        return clock_of(self.runtime)

    async def publish(self, topic: str, payload: BaseModel, estate: str = "SUNNY", **kw: Any) -> Envelope:
        event = new_event(payload, source="pm/test", estate_id=estate, **kw)
        await self.publisher.publish(topic, event)
        return event

    def client(
        self, sub: str = "cs-1", role: Role = "front_desk", estates: tuple[str, ...] = ("SUNNY",)
    ) -> httpx.AsyncClient:
        token = issue_token(SECRET, sub, role, list(estates))
        return httpx.AsyncClient(base_url=self.url, headers={"Authorization": f"Bearer {token}"}, timeout=20)

    async def notifications(self, complaint_id: str) -> list[dict[str, Any]]:
        return await self.ports.delivery.store.for_complaint(complaint_id)

    async def settled(self, complaint_id: str, count: int, template: str | None = None) -> list[dict[str, Any]]:
        """Wait until ``count`` deliveries of the complaint (of ``template``) left ``queued``."""

        async def check() -> list[dict[str, Any]] | None:
            docs = [d for d in await self.notifications(complaint_id) if template in (None, d["template"])]
            done = [d for d in docs if d["status"] != "queued"]
            return done if len(done) >= count else None

        return await poll_until(check, timeout=40, what=f"{count} settled {template or ''} deliveries")

    def sink_messages(self, channel: str | None = None) -> list[dict[str, Any]]:
        return [m for m in self.sink.store.messages if channel in (None, m["channel"])]


def settings_for(
    engines: Engines, prefix: str, sink: RunningSink, directory_url: str, **extra: Any
) -> NotifierSettings:
    values: dict[str, Any] = {
        "mongo_url": engines.mongo_url,
        "mongo_db": unique_name("test_notifier_"),
        "kafka_bootstrap": engines.kafka_bootstrap,
        "topic_prefix": prefix,
        "auth_secret": SECRET,
        "env": "test",
        "port": free_port(),
        "intake_url": directory_url,
        "dispatch_url": directory_url,
        "sms_url": sink.http_url,
        "wechat_url": sink.http_url,
        "push_url": sink.http_url + "/push/send",
        "pager_url": sink.http_url,
        "smtp_host": sink.smtp_host,
        "smtp_port": sink.smtp_port,
        "channel_backoff_seconds": 0.05,
        "timer_seconds": 0.2,
        "outbox_sweep_seconds": 0.5,
        **extra,
    }
    values["public_url"] = f"http://127.0.0.1:{values['port']}"
    return NotifierSettings(**values)


@asynccontextmanager
async def running_notifier(
    engines: Engines, prefix: str, sink: RunningSink, directory_url: str, **extra: Any
) -> AsyncIterator[Rig]:
    settings = settings_for(engines, prefix, sink, directory_url, **extra)
    await topics_visible(engines.kafka_bootstrap, {prefix + t for t in SUBSCRIBED})
    app = create_app(settings)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=settings.port, log_level="warning"))
    task = asyncio.create_task(server.serve())
    publisher = KafkaPublisher(engines.kafka_bootstrap, prefix)
    try:
        runtime: ServiceRuntime = await poll_until(lambda: _ready(app), timeout=60, interval=0.1, what="notifier ready")
        async with EventProbe(engines.kafka_bootstrap, prefix, WATCHED) as probe:
            yield Rig(runtime, settings, publisher, probe, sink, settings.public_url)
    finally:
        await publisher.close()
        runtime_ = getattr(app.state, "runtime", None)
        if runtime_ is not None:
            await runtime_.mongo.drop_database()
        server.should_exit = True
        await task


async def _ready(app: Any) -> ServiceRuntime | None:
    runtime = getattr(app.state, "runtime", None)
    consumer = runtime.consumer if runtime is not None else None
    if runtime is not None and consumer is not None and consumer.connected and consumer.owned:
        return runtime  # type: ignore[no-any-return]
    return None


def now() -> datetime:
    return datetime.now(UTC)
