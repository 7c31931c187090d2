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

from pm_common.health import BrokerWatch
from pm_common.kafka.admin import ensure_topics
from pm_common.kafka.consumer import ConsumerLoop, Handler, RebalanceListener
from pm_common.kafka.outbox import OutboxRelay
from pm_common.kafka.producer import KafkaPublisher
from pm_common.metrics import DEPENDENCY_UP
from pm_common.mongo import Mongo
from pm_common.settings import CommonSettings
from pm_common.topics import TopicSpec, own_topic_specs

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
            settings.kafka_bootstrap, settings.topic_prefix, client_id=settings.service_name, auth=settings.kafka_auth
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
        self.db_ready = True
        s = self.settings
        if not await self._retry(
            "topic setup",
            lambda: ensure_topics(
                s.kafka_bootstrap,
                s.topic_prefix,
                self._own_topics(),
                replication_factor=s.kafka_replication_factor,
                auth=self.publisher.auth,
            ),
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

    def _own_topics(self) -> list[TopicSpec] | None:
        """With broker authentication a service may create only its own topics (what it produces and
        the dead-letter topics of what it consumes); the setup creates the rest. Without it: all."""
        if not self.publisher.auth.enabled:
            return None
        return own_topic_specs(self.settings.service_name, list(self.handlers), self.settings.topic_prefix)

    async def stop(self) -> None:
        self._stop.set()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await asyncio.wait_for(task, 10)
        self._tasks.clear()
        await self.publisher.close()
        self.mongo.close()

    # ------------------------------------------------------------------ probes (/livez, /readyz, /healthz)
    db_ready = False  # the service's database setup (indexes, seeds) is done
    _watch: BrokerWatch | None = None
    _watch_task: asyncio.Task[None] | None = None

    def watch_broker(self) -> BrokerWatch:
        """The background broker check behind the probes (started once; stopped with the runtime)."""
        if self._watch is None:
            self._watch = BrokerWatch(
                self.settings.kafka_bootstrap, period=self.settings.health_check_seconds, auth=self.publisher.auth
            )
        if (self._watch_task is None or self._watch_task.done()) and not self._stop.is_set():
            self._watch_task = asyncio.create_task(self._watch.run(self._stop), name="broker-watch")
            self._tasks.append(self._watch_task)
        return self._watch

    def failed_tasks(self) -> list[str]:
        """Background tasks that died of an error while the runtime was running (a restart helps)."""
        if self._stop.is_set():
            return []
        return [
            f"{t.get_name()}: {type(t.exception()).__name__}"
            for t in self._tasks
            if t.done() and not t.cancelled() and t.exception() is not None
        ]

    def live(self) -> dict[str, Any]:
        """Liveness: the process answers and none of its background tasks died. No dependency is checked:
        restarting a process cannot bring back a database or a broker."""
        failed = self.failed_tasks()
        return {"status": "failed" if failed else "ok", "service": self.settings.service_name, "failed_tasks": failed}

    async def readiness(self) -> dict[str, Any]:
        """Readiness: what this service needs to do its job. The DB always; the broker only when
        ``readiness_requires_kafka`` (consumers); intake accepts complaints without it (outbox)."""
        watch = self.watch_broker()
        needs_kafka = self.settings.readiness_requires_kafka
        mongo_ok, kafka_up = await asyncio.gather(
            self.mongo.ping(), watch.first_result(watch.timeout + 0.5 if needs_kafka else 0)
        )
        DEPENDENCY_UP.labels("mongo").set(int(mongo_ok))
        missing = [
            name
            for name, ok in (
                ("mongo", mongo_ok),
                ("setup", self.db_ready),
                ("kafka", kafka_up is True or not needs_kafka),
                ("topics", self.ready or not needs_kafka),
            )
            if not ok
        ]
        return {
            "status": "ok" if not missing else "unavailable",
            "service": self.settings.service_name,
            "requires": ["mongo", "kafka"] if needs_kafka else ["mongo"],
            "missing": missing,
        }

    async def health(self) -> dict[str, Any]:
        """The detailed status document for people (``/healthz``): every check, with its state."""
        ready = await self.readiness()
        watch = self.watch_broker()
        kafka = {True: "ok", False: "unreachable", None: "unknown"}[watch.up]
        all_ok = ready["status"] == "ok" and watch.up is True and self.ready
        consumer = self.consumer
        return {
            "status": "ok" if all_ok else ("degraded" if ready["status"] == "ok" else "unavailable"),
            "service": self.settings.service_name,
            "live": self.live()["status"] == "ok",
            "ready": ready["status"] == "ok",
            "requires": ready["requires"],
            "checks": {
                "mongo": "unreachable" if "mongo" in ready["missing"] else "ok",
                "kafka": kafka,
                "kafka_checked_at": watch.checked_at,
                "kafka_error": watch.last_error,
                "setup": "done" if self.db_ready else "pending",
                "topics": "done" if self.ready else "pending",
                "outbox_relay": self.relay.last_error or "ok",
                "consumer": None if consumer is None else ("ok" if consumer.connected else consumer.last_error),
                "failed_tasks": self.failed_tasks(),
            },
        }
