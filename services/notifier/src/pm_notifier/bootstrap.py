"""Wires adapters into handlers; the only place that builds clients."""

from __future__ import annotations

from datetime import UTC, datetime

from pm_common import topics
from pm_common.events import Envelope
from pm_common.runtime import ServiceRuntime
from pm_common.settings import CommonSettings
from pm_notifier.adapters.repository import NOTIFICATIONS, MongoNotificationRepository
from pm_notifier.config import NotifierSettings
from pm_notifier.service_layer import handlers


def build_runtime(settings: CommonSettings) -> ServiceRuntime:
    assert isinstance(settings, NotifierSettings)
    runtime = ServiceRuntime(
        settings, outbox_collections=[NOTIFICATIONS], setup=MongoNotificationRepository.create_indexes
    )
    repo = MongoNotificationRepository(runtime.mongo)

    async def on_event(envelope: Envelope, payload: object) -> None:
        await handlers.notify(envelope, payload, repo, datetime.now(UTC))

    for topic in (
        topics.TASK_OVERDUE,
        topics.COMPLAINT_TRIAGED,
        topics.TASK_COMPLETED,
        topics.INCIDENT_DECLARED,
        topics.INCIDENT_RESOLVED,
    ):
        runtime.subscribe(topic, on_event)
    return runtime
