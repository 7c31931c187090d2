"""Wires adapters into handlers; the only place that builds clients."""

from __future__ import annotations

from typing import Any

from pm_common import topics
from pm_common.events import Envelope
from pm_common.mongo import Mongo
from pm_common.runtime import ServiceRuntime
from pm_common.settings import CommonSettings

from pm_intake.adapters.repository import COMPLAINTS, MongoComplaintRepository
from pm_intake.adapters.seed import DEMO_ESTATES
from pm_intake.config import IntakeSettings
from pm_intake.service_layer import handlers


def build_runtime(settings: CommonSettings) -> ServiceRuntime:
    assert isinstance(settings, IntakeSettings)

    async def setup(mongo: Mongo) -> None:
        await MongoComplaintRepository.create_indexes(mongo)
        if settings.seed_demo:
            repo = MongoComplaintRepository(mongo)
            for estate in DEMO_ESTATES:
                await repo.upsert_estate(estate)

    runtime = ServiceRuntime(settings, outbox_collections=[COMPLAINTS], setup=setup)
    repo = MongoComplaintRepository(runtime.mongo)

    async def downstream(envelope: Envelope, payload: Any) -> None:
        await handlers.on_downstream_event(envelope, payload, repo)

    for topic in (topics.COMPLAINT_TRIAGED, topics.TASK_ASSIGNED, topics.TASK_COMPLETED, topics.FEEDBACK_SENT):
        runtime.subscribe(topic, downstream)
    return runtime


def repository(runtime: ServiceRuntime) -> MongoComplaintRepository:
    return MongoComplaintRepository(runtime.mongo)
