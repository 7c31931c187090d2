"""The running parts of a service: DB client, publisher, outbox relay, consumer loop, timers.

``bootstrap.py`` of each service builds one ``ServiceRuntime``; the FastAPI lifespan starts and
stops it. Nothing here is created at import time.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from pm_common.kafka.admin import ensure_topics, kafka_reachable
from pm_common.kafka.consumer import ConsumerLoop, Handler, RebalanceListener
from pm_common.kafka.outbox import OutboxRelay
from pm_common.kafka.producer import KafkaPublisher
from pm_common.metrics import DEPENDENCY_UP
from pm_common.mongo import Mongo
from pm_common.settings import CommonSettings

log = logging.getLogger(__name__)

BackgroundJob = Callable[[asyncio.Event], Coroutine[Any, Any, None]]


class ServiceRuntime:
    def __init__(
        self,
        settings: CommonSettings,
        *,
        outbox_collections: list[str] = (),  # type: ignore[assignment]
        setup: Callable[[Mongo], Awaitable[None]] | None = None,
    ) -> None:
        self.settings = settings
        self.mongo = Mongo(settings.mongo_url, settings.mongo_db)
        self.publisher = KafkaPublisher(
            settings.kafka_bootstrap, settings.topic_prefix, client_id=settings.service_name
        )
        self.relay = OutboxRelay(
            self.publisher,
            [self.mongo.collection(c) for c in outbox_collections],
            mongo=self.mongo,
            sweep_seconds=settings.outbox_sweep_seconds,
        )
        self._setup = setup
        self.handlers: dict[str, Handler] = {}
        self.jobs: list[BackgroundJob] = []
        self.rebalance_listeners: list[RebalanceListener] = []
        self.consumer: ConsumerLoop | None = None
        self._stop = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self.ready = False
        self.state: dict[str, Any] = {}  # service-specific objects the API needs (e.g. the classifier)

    def subscribe(self, topic: str, handler: Handler) -> None:
        self.handlers[topic] = handler

    def add_rebalance_listener(self, listener: RebalanceListener) -> None:
        """Be told which partitions this instance owns (e.g. to keep a schedule per partition)."""
        self.rebalance_listeners.append(listener)

    def add_job(self, job: BackgroundJob) -> None:
        self.jobs.append(job)

    async def start(self) -> None:
        self._stop.clear()
        self._tasks.append(asyncio.create_task(self._prepare_and_consume(), name="prepare"))
        self._tasks.append(asyncio.create_task(self.relay.run(self._stop), name="outbox-relay"))

    async def _retry(self, what: str, action: Callable[[], Awaitable[Any]]) -> bool:
        backoff = 0.5
        while not self._stop.is_set():
            try:
                await action()
                return True
            except Exception as exc:
                log.warning("%s not possible yet (%s), retrying", what, exc)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stop.wait(), backoff)
                backoff = min(backoff * 2, 5.0)
        return False

    async def _prepare_and_consume(self) -> None:
        setup = self._setup
        if setup is not None and not await self._retry("database setup", lambda: setup(self.mongo)):
            return
        s = self.settings
        if not await self._retry(
            "topic setup",
            lambda: ensure_topics(s.kafka_bootstrap, s.topic_prefix, replication_factor=s.kafka_replication_factor),
        ):
            return
        self.ready = True
        for job in self.jobs:
            self._tasks.append(asyncio.create_task(job(self._stop), name=getattr(job, "__name__", "job")))
        if self.handlers:
            self.consumer = ConsumerLoop(
                bootstrap=s.kafka_bootstrap,
                group_id=s.consumer_group,
                handlers=self.handlers,
                publisher=self.publisher,
                prefix=s.topic_prefix,
                max_attempts=s.consumer_max_attempts,
                listeners=self.rebalance_listeners,
            )
            await self.consumer.run(self._stop)

    async def stop(self) -> None:
        self._stop.set()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await asyncio.wait_for(task, 10)
        self._tasks.clear()
        await self.publisher.close()
        self.mongo.close()

    async def health(self) -> dict[str, Any]:
        mongo_ok, kafka_ok = await asyncio.gather(
            self.mongo.ping(), kafka_reachable(self.settings.kafka_bootstrap, timeout=2.0)
        )
        DEPENDENCY_UP.labels("mongo").set(int(mongo_ok))
        DEPENDENCY_UP.labels("kafka").set(int(kafka_ok))
        ok = mongo_ok and kafka_ok and self.ready
        return {
            "status": "ok" if ok else "unavailable",
            "service": self.settings.service_name,
            "checks": {
                "mongo": "ok" if mongo_ok else "unreachable",
                "kafka": "ok" if kafka_ok else "unreachable",
                "setup": "done" if self.ready else "pending",
                "outbox_relay": self.relay.last_error or "ok",
            },
        }
