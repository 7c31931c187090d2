"""Wires adapters into the monitor; the only place that builds clients."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import timedelta

from pydantic import BaseModel

from pm_common import topics
from pm_common.calendar import HolidayCalendar
from pm_common.events import ComplaintReceived, Envelope
from pm_common.events.subjects import ComplaintSubjectsChanged
from pm_common.org import OrgSnapshot
from pm_common.runtime import ServiceRuntime
from pm_common.settings import CommonSettings
from pm_common.subjects_store import COLLECTION as SUBJECTS
from pm_common.subjects_store import SubjectsStore
from pm_sla_monitor.adapters.clock import SystemClock
from pm_sla_monitor.adapters.clock_store import MongoClockStore
from pm_sla_monitor.adapters.config_store import MongoConfigStore
from pm_sla_monitor.adapters.firing_store import OVERDUE_OUTBOX, MongoFiringStore
from pm_sla_monitor.adapters.partitions import KafkaPartitions
from pm_sla_monitor.config import SlaSettings
from pm_sla_monitor.service_layer.clocks import ClockService
from pm_sla_monitor.service_layer.facts import CONSUMED
from pm_sla_monitor.service_layer.monitor import Monitor, Timekeeper

log = logging.getLogger(__name__)
ORG_CHANGED = topics.ORG_CHANGED


async def _setup(mongo) -> None:  # type: ignore[no-untyped-def]
    await MongoFiringStore.create_indexes(mongo)
    await MongoClockStore.create_indexes(mongo)


def build_runtime(settings: CommonSettings, clock: Timekeeper | None = None) -> ServiceRuntime:
    assert isinstance(settings, SlaSettings)
    runtime = ServiceRuntime(settings, outbox_collections=[OVERDUE_OUTBOX], setup=_setup)
    calendar = HolidayCalendar.load(settings.holiday_dir)
    firing = MongoFiringStore(runtime.mongo)
    clocks = MongoClockStore(runtime.mongo)
    config = MongoConfigStore(runtime.mongo, ttl=settings.config_ttl_seconds)
    partitions = KafkaPartitions(
        settings.kafka_bootstrap, settings.topic_prefix + topics.TASK_ASSIGNED, auth=settings.kafka_auth
    )
    step = settings.escalation_step_seconds
    monitor = Monitor(
        firing,
        clocks,
        config,
        clock or SystemClock(),
        calendar,
        fixed_step=timedelta(seconds=step) if step else None,
        batch=settings.fire_batch,
        item_topics=tuple(t for t in CONSUMED if t != topics.FEEDBACK_SENT),
    )
    service = ClockService(clocks, config, partitions, monitor, calendar)
    subjects = SubjectsStore(runtime.mongo.collection(SUBJECTS))  # 被投诉人: staff reads hide their items
    runtime.state.update(
        monitor=monitor, clocks=clocks, config=config, firing=firing, service=service, calendar=calendar
    )
    runtime.state["subjects"] = subjects

    async def on_event(envelope: Envelope, payload: BaseModel) -> None:
        if isinstance(payload, ComplaintReceived):
            await subjects.record(payload.complaint_id, payload.estate_id, payload.subject_staff_ids, 0)
        await service.handle(envelope)

    async def on_subjects(envelope: Envelope, payload: BaseModel) -> None:
        assert isinstance(payload, ComplaintSubjectsChanged)
        await subjects.record(payload.complaint_id, payload.estate_id, payload.subject_staff_ids, payload.revision)

    async def on_org(envelope: Envelope, payload: BaseModel) -> None:
        data = {k: v for k, v in envelope.data.items() if k in OrgSnapshot.model_fields}
        await config.save_org(OrgSnapshot.model_validate(data))

    async def schedule(stop: asyncio.Event) -> None:
        await monitor.run(stop, mailbox_seconds=settings.mailbox_seconds)

    async def sweep(stop: asyncio.Event) -> None:
        while not stop.is_set():
            if firing.unswept:
                try:
                    await firing.sweep()
                except Exception as exc:
                    log.warning("outbox sweep failed, will retry: %s", exc)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), settings.sweep_seconds)

    for topic in CONSUMED:
        runtime.subscribe(topic, on_event)
    if ORG_CHANGED in topics.TOPICS:
        runtime.subscribe(ORG_CHANGED, on_org)
    runtime.subscribe(topics.COMPLAINT_SUBJECTS_CHANGED, on_subjects)
    runtime.add_rebalance_listener(monitor)
    runtime.add_job(schedule)
    runtime.add_job(sweep)
    return runtime
