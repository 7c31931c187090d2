"""Wires adapters into handlers; the only place that builds clients."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from pm_common import topics
from pm_common.events import Envelope
from pm_common.mongo import Mongo
from pm_common.ratelimit import FixedWindowLimiter
from pm_common.runtime import ServiceRuntime
from pm_common.settings import CommonSettings
from pm_intake.adapters import stores
from pm_intake.adapters.repository import COMPLAINTS, MongoComplaintRepository
from pm_intake.adapters.seed import DEMO_ESTATES, DEMO_KEY_CHANNELS, DEMO_KEY_ID, DEMO_KEY_SECRET
from pm_intake.config import IntakeSettings
from pm_intake.service_layer import handlers, integrations
from pm_intake.service_layer.policy import IntakePolicy

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Adapters:
    """Everything the API handlers need, built once per runtime."""

    repo: MongoComplaintRepository
    audit: stores.MongoAuditLog
    keys: stores.MongoIntegrationKeys
    otps: stores.MongoOtpStore
    sms: stores.MongoSmsOutbox
    limiter: FixedWindowLimiter
    policy: IntakePolicy


def build_adapters(mongo: Mongo, settings: IntakeSettings) -> Adapters:
    return Adapters(
        repo=MongoComplaintRepository(mongo),
        audit=stores.MongoAuditLog(mongo),
        keys=stores.MongoIntegrationKeys(mongo),
        otps=stores.MongoOtpStore(mongo),
        sms=stores.MongoSmsOutbox(mongo),
        limiter=FixedWindowLimiter(mongo.collection(stores.RATE)),
        policy=settings.policy(),
    )


def build_runtime(settings: CommonSettings) -> ServiceRuntime:
    assert isinstance(settings, IntakeSettings)

    async def setup(mongo: Mongo) -> None:
        await MongoComplaintRepository.create_indexes(mongo)
        await stores.create_indexes(mongo)
        await stores.ensure_indexes(mongo.collection(stores.RATE), FixedWindowLimiter.indexes())
        if settings.seed_demo:
            repo = MongoComplaintRepository(mongo)
            for estate in DEMO_ESTATES:
                await repo.upsert_estate(estate)
        if settings.seed_demo and settings.env == "dev":
            keys = stores.MongoIntegrationKeys(mongo)
            if await keys.get(DEMO_KEY_ID) is None:
                await integrations.create_key(
                    "demo integration (dev only)",
                    DEMO_KEY_CHANNELS,
                    [e["_id"] for e in DEMO_ESTATES],
                    keys,
                    datetime.now(UTC),
                    key_id=DEMO_KEY_ID,
                    secret=DEMO_KEY_SECRET,
                )

    runtime = ServiceRuntime(settings, outbox_collections=[COMPLAINTS], setup=setup)
    adapters = build_adapters(runtime.mongo, settings)
    runtime.state["adapters"] = adapters

    async def downstream(envelope: Envelope, payload: Any) -> None:
        await handlers.on_downstream_event(envelope, payload, adapters.repo)

    for topic in (
        topics.COMPLAINT_TRIAGED,
        topics.TASK_ASSIGNED,
        topics.TASK_COMPLETED,
        topics.FEEDBACK_SENT,
        topics.TASK_RESOLVED,
        topics.TASK_PROGRESS_NOTED,
        topics.TASK_CLOSED,
        topics.TASK_REOPENED,
        topics.SURVEY_ANSWERED,
        topics.RETURN_VISIT_RECORDED,
    ):
        runtime.subscribe(topic, downstream)

    async def housekeeping(stop: asyncio.Event) -> None:
        """FerretDB has no TTL indexes: purge expired rate counters, codes and old SMS entries."""
        while not stop.is_set():
            try:
                now = datetime.now(UTC)
                await adapters.limiter.purge_expired()
                await adapters.otps.purge_expired(now)
                await adapters.sms.purge_older_than(now - timedelta(days=1))
            except Exception as exc:
                log.warning("housekeeping pass failed: %s", type(exc).__name__)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), settings.housekeeping_seconds)

    async def warm_ledger_index(stop: asyncio.Event) -> None:
        """Load the ledger index views once, so the first staff query is as fast as the next."""
        try:
            rows = await adapters.repo.index.warm()
            log.info("ledger index loaded: %d rows", rows)
        except Exception as exc:
            log.warning("ledger index warm-up failed (queries load it on demand): %s", type(exc).__name__)

    runtime.add_job(housekeeping)
    runtime.add_job(warm_ledger_index)
    return runtime


def adapters_of(runtime: ServiceRuntime) -> Adapters:
    adapters: Adapters = runtime.state["adapters"]
    return adapters


def repository(runtime: ServiceRuntime) -> MongoComplaintRepository:
    return adapters_of(runtime).repo
