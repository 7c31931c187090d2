"""Wires adapters into handlers; the only place that builds clients."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import UTC, datetime, timedelta

from pm_common import topics
from pm_common.events import Envelope, TaskAssigned, TaskCancelled, TaskCompleted
from pm_common.runtime import ServiceRuntime
from pm_common.settings import CommonSettings
from pm_sla_monitor.adapters.repository import TIMERS, MongoTimerRepository
from pm_sla_monitor.config import SlaSettings
from pm_sla_monitor.service_layer import handlers

log = logging.getLogger(__name__)


def build_runtime(settings: CommonSettings) -> ServiceRuntime:
    assert isinstance(settings, SlaSettings)
    runtime = ServiceRuntime(settings, outbox_collections=[TIMERS], setup=MongoTimerRepository.create_indexes)
    repo = MongoTimerRepository(runtime.mongo)
    step = timedelta(seconds=settings.escalation_step_seconds)

    async def on_assigned(envelope: Envelope, payload: object) -> None:
        assert isinstance(payload, TaskAssigned)
        await handlers.on_assigned(payload, repo)

    async def on_completed(envelope: Envelope, payload: object) -> None:
        assert isinstance(payload, TaskCompleted | TaskCancelled)
        await handlers.on_completed(payload, repo, datetime.now(UTC))

    async def scan(stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                fired = await handlers.escalate_due(repo, datetime.now(UTC), step)
                if fired:
                    log.info("escalated %s overdue task(s)", fired)
            except Exception as exc:
                log.warning("overdue scan failed, will retry: %s", exc)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), settings.scan_seconds)

    runtime.subscribe(topics.TASK_ASSIGNED, on_assigned)
    runtime.subscribe(topics.TASK_COMPLETED, on_completed)
    runtime.subscribe(topics.TASK_CANCELLED, on_completed)
    runtime.add_job(scan)
    return runtime
