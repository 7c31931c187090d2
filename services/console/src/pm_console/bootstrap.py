"""Wires adapters into handlers; the only place that builds clients."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass
from datetime import UTC, datetime

from pm_common.mongo import Mongo
from pm_common.ratelimit import FixedWindowLimiter
from pm_common.runtime import ServiceRuntime
from pm_common.settings import CommonSettings
from pm_console.adapters.hasher import Argon2Hasher
from pm_console.adapters.platform import PlatformClient
from pm_console.adapters.s3 import S3Bucket, s3_client
from pm_console.adapters.store import MongoAccounts, MongoSessions
from pm_console.adapters.uploads import LocalFolder, ObjectStore, Uploads
from pm_console.config import ConsoleSettings
from pm_console.domain.accounts import LockoutPolicy
from pm_console.domain.estates import EstateDirectory
from pm_console.domain.sessions import SessionPolicy
from pm_console.service_layer import demo

log = logging.getLogger(__name__)
RATE = "rate_limits"


@dataclass(frozen=True)
class Adapters:
    accounts: MongoAccounts
    sessions: MongoSessions
    hasher: Argon2Hasher
    platform: PlatformClient
    uploads: Uploads
    limiter: FixedWindowLimiter
    estates: EstateDirectory
    lockout: LockoutPolicy
    session_policy: SessionPolicy


class ConsoleRuntime(ServiceRuntime):
    """The console consumes and produces no topic: it is ready once its database is set up."""

    async def _prepare_and_consume(self) -> None:
        setup = self._setup
        if setup is not None and not await self._retry("database setup", lambda: setup(self.mongo)):
            return
        self.db_ready = True
        self.ready = True
        for job in self.jobs:
            self._tasks.append(asyncio.create_task(job(self._stop), name=getattr(job, "__name__", "job")))

    async def stop(self) -> None:
        await super().stop()
        await adapters_of(self).platform.close()


def build_adapters(mongo: Mongo, settings: ConsoleSettings) -> Adapters:
    return Adapters(
        accounts=MongoAccounts(mongo),
        sessions=MongoSessions(mongo),
        hasher=Argon2Hasher(),
        platform=PlatformClient(
            settings.intake_url,
            settings.triage_url,
            dispatch=settings.dispatch_url,
            sla=settings.sla_url,
            notifier=settings.notifier_url,
            insights=settings.insights_url,
        ),
        uploads=Uploads(object_store(settings), settings.upload_max_bytes),
        limiter=FixedWindowLimiter(mongo.collection(RATE)),
        estates=settings.estates(),
        lockout=settings.lockout(),
        session_policy=settings.sessions(),
    )


def object_store(settings: ConsoleSettings) -> ObjectStore:
    """The photo store the settings choose: the local folder, or an S3-compatible bucket."""
    if settings.upload_store == "local":
        return LocalFolder(settings.upload_dir)
    secret = settings.s3_secret_key.get_secret_value() if settings.s3_secret_key else None
    client = s3_client(settings.s3_endpoint_url, settings.s3_region, settings.s3_access_key, secret)
    return S3Bucket(client, settings.s3_bucket, settings.s3_prefix, create=settings.s3_create_bucket)


def build_runtime(settings: CommonSettings) -> ServiceRuntime:
    assert isinstance(settings, ConsoleSettings)
    runtime = ConsoleRuntime(settings)
    adapters = build_adapters(runtime.mongo, settings)
    runtime.state["adapters"] = adapters

    async def setup(mongo: Mongo) -> None:
        await mongo.collection(RATE).create_indexes(FixedWindowLimiter.indexes())
        await asyncio.to_thread(adapters.uploads.store.prepare)  # the folder / bucket is there
        if settings.seed_demo and settings.env != "prod":
            created = await demo.seed_demo_accounts(adapters.accounts, adapters.hasher, datetime.now(UTC))
            if created:
                log.info("demo accounts created: %s", ", ".join(created))

    runtime._setup = setup

    async def housekeeping(stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                await adapters.sessions.purge_expired(datetime.now(UTC))
                await adapters.limiter.purge_expired()
            except Exception as exc:
                log.warning("session purge failed: %s", type(exc).__name__)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), settings.housekeeping_seconds)

    runtime.add_job(housekeeping)
    return runtime


def adapters_of(runtime: ServiceRuntime) -> Adapters:
    adapters: Adapters = runtime.state["adapters"]
    return adapters


def account_tools(settings: ConsoleSettings) -> tuple[Mongo, MongoAccounts, Argon2Hasher]:
    """What the accounts CLI needs: the console's database, its accounts and the hasher."""
    mongo = Mongo(settings.mongo_url, settings.mongo_db)
    return mongo, MongoAccounts(mongo), Argon2Hasher()
