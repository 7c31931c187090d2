"""Wires adapters into handlers; the only place that builds clients."""

from __future__ import annotations

from datetime import UTC, datetime

from pm_common import topics
from pm_common.events import ComplaintTriaged, Envelope
from pm_common.events.payloads import ComplaintWithdrawn, GroupIncidentDeclared, GroupIncidentResolved
from pm_common.runtime import ServiceRuntime
from pm_common.settings import CommonSettings
from pm_dispatch.adapters.repository import TASKS, MongoTaskRepository
from pm_dispatch.config import DispatchSettings
from pm_dispatch.service_layer import handlers, incidents


def build_runtime(settings: CommonSettings) -> ServiceRuntime:
    assert isinstance(settings, DispatchSettings)
    runtime = ServiceRuntime(settings, outbox_collections=[TASKS], setup=MongoTaskRepository.create_indexes)
    repo = MongoTaskRepository(runtime.mongo)

    async def on_triaged(envelope: Envelope, payload: object) -> None:
        assert isinstance(payload, ComplaintTriaged)
        await handlers.create_task(envelope, payload, repo, datetime.now(UTC), settings.deadline_cap_seconds)

    runtime.subscribe(topics.COMPLAINT_TRIAGED, on_triaged)

    async def on_withdrawn(envelope: Envelope, payload: object) -> None:
        assert isinstance(payload, ComplaintWithdrawn)
        await handlers.withdraw_task(envelope, payload, repo, datetime.now(UTC))

    runtime.subscribe(topics.COMPLAINT_WITHDRAWN, on_withdrawn)

    async def on_incident(envelope: Envelope, payload: object) -> None:
        now = datetime.now(UTC)
        if isinstance(payload, GroupIncidentDeclared):
            await incidents.open_incident_sheet(envelope, payload, repo, now)
        elif isinstance(payload, GroupIncidentResolved):
            await incidents.close_incident_tasks(envelope, payload, repo, now)

    runtime.subscribe(topics.INCIDENT_DECLARED, on_incident)
    runtime.subscribe(topics.INCIDENT_RESOLVED, on_incident)
    return runtime
