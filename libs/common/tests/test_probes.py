"""Liveness, readiness and the status document of a service, on the real engines.

A Kafka outage must not take intake (outbox) off the network nor restart any pod, and probes must
not open a Kafka client each time they are asked.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from pm_common.mongo import Mongo
from pm_common.runtime import ServiceRuntime
from pm_common.service import create_service_app
from pm_common.settings import CommonSettings
from pm_common.testing import free_port, poll_until
from pm_common.testing.fixtures import Engines, service_settings_values

pytestmark = pytest.mark.integration


def settings(engines: Engines, mongo: Mongo, prefix: str, **overrides: Any) -> CommonSettings:
    values = {**service_settings_values(engines, mongo.db.name, prefix, "probe-secret-" + "x" * 32), **overrides}
    # a made-up service has no principal of its own on an authenticating broker: the tests' admin
    return CommonSettings(service_name="probe-test", kafka_username="admin", **values)


async def _setup(mongo: Mongo) -> None:
    await mongo.collection("things").insert_one({"_id": "seeded"})


@asynccontextmanager
async def running(s: CommonSettings) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    app = create_service_app(s, lambda st: ServiceRuntime(st, setup=_setup), title="probe test")
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://probe") as client:
            yield app, client


async def _status(client: httpx.AsyncClient, path: str, want: int) -> bool:
    return (await client.get(path)).status_code == want


async def test_without_the_broker_an_outbox_service_is_live_and_ready_a_consumer_is_live_not_ready(
    engines: Engines, mongo: Mongo, topic_prefix: str
) -> None:
    dead = f"127.0.0.1:{free_port()}"  # nothing listens there
    outbox_only = settings(engines, mongo, topic_prefix, kafka_bootstrap=dead, readiness_requires_kafka=False)
    async with running(outbox_only) as (_, client):
        await poll_until(lambda: _status(client, "/readyz", 200), what="ready on the DB alone")
        assert (await client.get("/livez")).json() == {"status": "ok", "service": "probe-test", "failed_tasks": []}
        ready = (await client.get("/readyz")).json()
        assert ready["requires"] == ["mongo"] and ready["missing"] == []
        health = await client.get("/healthz")  # for people: says what is wrong
        assert health.status_code == 503
        body = health.json()
        assert body["status"] == "degraded" and body["ready"] is True and body["live"] is True
        assert body["checks"]["kafka"] == "unreachable" and body["checks"]["mongo"] == "ok"
        assert body["checks"]["setup"] == "done" and body["checks"]["topics"] == "pending"

    consumer = settings(engines, mongo, topic_prefix, kafka_bootstrap=dead)  # readiness_requires_kafka default
    async with running(consumer) as (_, client):
        assert (await client.get("/livez")).status_code == 200  # a restart would not bring the broker back
        not_ready = await client.get("/readyz")
        assert not_ready.status_code == 503
        assert not_ready.json()["requires"] == ["mongo", "kafka"]
        assert {"kafka", "topics"} <= set(not_ready.json()["missing"])


async def test_probes_read_a_cached_broker_check_and_never_open_a_client_per_probe(
    engines: Engines, mongo: Mongo, topic_prefix: str
) -> None:
    s = settings(engines, mongo, topic_prefix, health_check_seconds=600)
    async with running(s) as (app, client):
        await poll_until(lambda: _status(client, "/readyz", 200), timeout=60, what="consumer ready")
        for _ in range(30):
            assert (await client.get("/readyz")).status_code == 200
            assert (await client.get("/healthz")).status_code == 200
        watch = app.state.runtime.watch_broker()
        assert watch.clients_opened == 1 and watch.checks == 1  # one check per period, whatever the probe rate
        assert (await client.get("/healthz")).json()["checks"]["kafka"] == "ok"


async def test_liveness_fails_only_when_a_background_task_died(
    engines: Engines, mongo: Mongo, topic_prefix: str
) -> None:
    async def broken_job(_: object) -> None:
        raise RuntimeError("bug in a job")

    def build(st: CommonSettings) -> ServiceRuntime:
        runtime = ServiceRuntime(st, setup=_setup)
        runtime.add_job(broken_job)  # type: ignore[arg-type]
        return runtime

    app = create_service_app(settings(engines, mongo, topic_prefix), build, title="probe test")
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://probe") as client:
            await poll_until(lambda: _status(client, "/livez", 503), timeout=60, what="liveness failing")
            assert (await client.get("/livez")).json()["failed_tasks"] == ["broken_job: RuntimeError"]
