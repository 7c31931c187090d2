"""Wires the Mongo adapters into the projection and the queries; the only place that builds clients."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from pydantic import BaseModel

from pm_common import topics
from pm_common.events import ComplaintReceived, Envelope
from pm_common.events.subjects import ComplaintSubjectsChanged
from pm_common.mongo import Mongo
from pm_common.runtime import ServiceRuntime
from pm_common.settings import CommonSettings
from pm_common.subjects_store import COLLECTION as SUBJECTS
from pm_common.subjects_store import SubjectsStore
from pm_insights.adapters import report_files
from pm_insights.adapters.stores import WARNINGS, MongoBuckets, MongoThresholds, MongoViews, MongoWarnings
from pm_insights.config import InsightsSettings
from pm_insights.domain.report import Section
from pm_insights.service_layer.project import CONSUMED, Projection

log = logging.getLogger(__name__)


@dataclass
class Adapters:
    views: MongoViews
    buckets: MongoBuckets
    warnings: MongoWarnings
    thresholds: MongoThresholds
    projection: Projection
    reports: dict[str, Callable[[str, str, list[Section]], bytes]]  # format -> writer (xlsx, pdf)
    subjects: SubjectsStore  # the 被投诉人 of each complaint: a warning lists no complaint about the reader


async def _setup(mongo: Mongo) -> None:
    """Nothing to index: every read and write addresses a document by ``_id``."""


def system_now() -> datetime:
    return datetime.now(UTC)


def build_runtime(settings: CommonSettings, now: Callable[[], datetime] = system_now) -> ServiceRuntime:
    assert isinstance(settings, InsightsSettings)
    runtime = ServiceRuntime(settings, outbox_collections=[WARNINGS], setup=_setup)
    views, buckets = MongoViews(runtime.mongo), MongoBuckets(runtime.mongo)
    warnings, thresholds = MongoWarnings(runtime.mongo), MongoThresholds(runtime.mongo)
    projection = Projection(
        views,
        buckets,
        warnings,
        thresholds,
        tz=settings.timezone,
        now=now,
        warn=settings.raise_warnings,
        warning_horizon_days=settings.warning_horizon_days,
    )
    writers = {"xlsx": report_files.xlsx, "pdf": report_files.pdf}
    subjects = SubjectsStore(runtime.mongo.collection(SUBJECTS))
    runtime.state["adapters"] = Adapters(views, buckets, warnings, thresholds, projection, writers, subjects)

    async def on_event(envelope: Envelope, payload: BaseModel) -> None:
        if isinstance(payload, ComplaintSubjectsChanged):
            await subjects.record(payload.complaint_id, payload.estate_id, payload.subject_staff_ids, payload.revision)
            return
        if isinstance(payload, ComplaintReceived):
            await subjects.record(payload.complaint_id, payload.estate_id, payload.subject_staff_ids, 0)
        await projection.handle(envelope, payload)

    async def warn(stop: asyncio.Event) -> None:
        await _retrying(projection.recheck_today, stop, settings.warning_check_seconds)
        while not stop.is_set():
            await _retrying(projection.check_due, stop, settings.warning_check_seconds)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), settings.warning_check_seconds)

    for topic in (*CONSUMED, topics.COMPLAINT_SUBJECTS_CHANGED):
        runtime.subscribe(topic, on_event)
    if settings.raise_warnings:
        runtime.add_job(warn)
    return runtime


async def _retrying(action: Callable[[], Awaitable[object]], stop: asyncio.Event, pause: float) -> None:
    while not stop.is_set():
        try:
            await action()
            return
        except Exception as exc:  # the DB is away: the due days stay due
            log.warning("early-warning check failed, will retry: %s", exc)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), pause)


def adapters_of(runtime: ServiceRuntime) -> Adapters:
    adapters: Adapters = runtime.state["adapters"]
    return adapters
