"""The outbox on the real engines: a complaint accepted while Kafka is unreachable is published
once the service runs with a reachable broker again; nothing is lost, nothing is sent twice."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from conftest import serve
from pm_common import topics
from pm_common.mongo import Mongo
from pm_common.testing import EventProbe, free_port, poll_until
from pm_common.testing.fixtures import Engines
from pm_intake.config import IntakeSettings

pytestmark = pytest.mark.integration


async def test_event_is_published_after_kafka_comes_back(
    intake_settings: Callable[..., IntakeSettings], mongo: Mongo, engines: Engines
) -> None:
    complaints = mongo.collection("complaints")
    dead = intake_settings(kafka_bootstrap=f"127.0.0.1:{free_port()}")  # nothing listens there
    async with serve(dead, mongo, healthy=False) as intake, intake.client(headers=intake.staff()) as client:
        assert (await client.get("/healthz")).status_code == 503  # status for people: the broker is down
        ready = await client.get("/readyz")  # ...but intake does its job: it stays in service
        assert ready.status_code == 200 and ready.json()["requires"] == ["mongo"], ready.text
        assert (await client.get("/livez")).status_code == 200
        response = await client.post(
            "/v1/complaints", json={"estate_id": "SUNNY", "channel": "app", "content": "小区大门的伸缩门坏了，一直开着"}
        )
        assert response.status_code == 201, response.text
        ack = response.json()
        doc = await complaints.find_one({"_id": ack["complaint_id"]})
        assert doc["outbox_pending"] == 1 and len(doc["outbox"]) == 1  # written with the complaint, not sent

    live = intake_settings(port=free_port())
    async with EventProbe(engines.kafka_bootstrap, live.topic_prefix, [topics.COMPLAINT_RECEIVED]) as probe:
        async with serve(live, mongo):
            events = await probe.wait_for(topics.COMPLAINT_RECEIVED, lambda e: e.subject == ack["complaint_id"])
            assert events[0].data["reference_no"] == ack["reference_no"]

            async def drained() -> bool:
                stored = await complaints.find_one({"_id": ack["complaint_id"]})
                return bool(stored and stored["outbox_pending"] == 0 and stored["outbox"] == {})

            await poll_until(drained, what="outbox entry marked sent")
        await probe._drain()
        assert len([e for t, e, _ in probe.events if e.subject == ack["complaint_id"]]) == 1
