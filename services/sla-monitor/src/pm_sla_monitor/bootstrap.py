"""Wires adapters into the monitor; the only place that builds clients."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import timedelta

from pm_common import topics
from pm_common.events import Envelope, TaskAssigned, TaskCancelled, TaskCompleted
from pm_common.runtime import ServiceRuntime
from pm_common.settings import CommonSettings
from pm_sla_monitor.adapters.clock import SystemClock
from pm_sla_monitor.adapters.partitions import KafkaPartitions
from pm_sla_monitor.adapters.repository import OVERDUE_OUTBOX, MongoTimerStore
from pm_sla_monitor.config import SlaSettings
from pm_sla_monitor.service_layer.monitor import Clock, Monitor

log = logging.getLogger(__name__)
CONSUMED = (topics.TASK_ASSIGNED, topics.TASK_COMPLETED, topics.TASK_CANCELLED)


def build_runtime(settings: CommonSettings, clock: Clock | None = None) -> ServiceRuntime:
    assert isinstance(settings, SlaSettings)
    runtime = ServiceRuntime(settings, outbox_collections=[OVERDUE_OUTBOX], setup=MongoTimerStore.create_indexes)
    store = MongoTimerStore(runtime.mongo)
    partitions = KafkaPartitions(settings.kafka_bootstrap, settings.topic_prefix + topics.TASK_ASSIGNED)
    monitor = Monitor(
        store,
        clock or SystemClock(),
        partitions,
        step=timedelta(seconds=settings.escalation_step_seconds),
        batch=settings.fire_batch,
    )
    runtime.state["monitor"] = monitor
    runtime.state["store"] = store

    async def on_assigned(envelope: Envelope, payload: object) -> None:
        assert isinstance(payload, TaskAssigned)
        await monitor.on_assigned(envelope, payload)

    async def on_stopped(envelope: Envelope, payload: object) -> None:
        assert isinstance(payload, TaskCompleted | TaskCancelled)
        await monitor.on_stopped(payload)

    async def schedule(stop: asyncio.Event) -> None:
        await monitor.run(stop)

    async def sweep(stop: asyncio.Event) -> None:
        while not stop.is_set():
            if store.unswept:
                try:
                    await store.sweep()
                except Exception as exc:
                    log.warning("outbox sweep failed, will retry: %s", exc)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), settings.sweep_seconds)

    for topic in CONSUMED:
        runtime.subscribe(topic, on_stopped if topic != topics.TASK_ASSIGNED else on_assigned)
    runtime.add_rebalance_listener(monitor)
    runtime.add_job(schedule)
    runtime.add_job(sweep)
    return runtime
