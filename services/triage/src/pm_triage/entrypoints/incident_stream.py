"""Group-incident detection on faust-streaming (群诉): windowed counts per estate × place × nature.

Two agents in one faust app, run inside the triage process next to the API and the consumer loop:

1. ``route`` reads ``complaint.triaged`` and re-keys every counted complaint by its fault key onto
   the app's own topic ``<app id>-fault-reports`` (co-partitioned with the table);
2. ``count`` adds the complaint id to every hopping window of its fault key in the table
   ``fault_reports`` (changelog ``<app id>-fault_reports-changelog``, windows timed by the complaint's
   ``received_at``) and hands the windows to ``service_layer.incidents.on_fault_windows``, which
   declares or extends the incident in Mongo (outbox → ``incident.declared``).

The app id is ``<KAFKA_TOPIC_PREFIX>triage-incidents``, so every topic faust creates (it declares
its own topics: the broker does not auto-create) carries the namespace prefix. The service creates
them itself before faust starts (``stream_topics``): declared by faust at its own start, its first
partition assignment could run before the broker's metadata listed them ("Ignoring missing topic")
and the stream then got no partition for minutes, so no incident was declared. Tables live in
memory and are rebuilt from the changelog on start; table values are sets of complaint ids, so a
redelivered report counts once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import asdict
from datetime import timedelta
from typing import Any

import faust

from pm_common import topics
from pm_common.events import ComplaintTriaged, event_from_kafka
from pm_common.kafka.admin import ensure_topics
from pm_common.kafka.consumer import TRANSIENT
from pm_common.kafka.security import KafkaAuth
from pm_common.topics import TopicSpec
from pm_triage.config import TriageSettings
from pm_triage.domain.incidents import FaultReport, WindowCount, add_member, counts_toward_incident

log = logging.getLogger(__name__)

Sink = Callable[[FaultReport, list[WindowCount]], Awaitable[object]]


def report_of(value: bytes) -> FaultReport | None:
    """The fault report of a ``complaint.triaged`` message, or None if it does not count."""
    try:
        envelope, payload = event_from_kafka(value)
    except ValueError as exc:
        log.warning("incident stream skips an unreadable message: %s", exc)
        return None
    if not isinstance(payload, ComplaintTriaged) or payload.review is not None:
        return None  # a supervisor's re-decision is not a new report
    if not counts_toward_incident(payload.decision, payload.duplicate_of, payload.fault_key):
        return None
    received_at = payload.received_at or envelope.time
    return FaultReport(
        complaint_id=payload.complaint_id,
        estate_id=payload.estate_id,
        fault_key=str(payload.fault_key),
        received_at=received_at.timestamp(),
        category=payload.category,
    )


def faust_credentials(auth: KafkaAuth) -> faust.SASLCredentials | None:
    """The service's SASL/SCRAM principal for faust (None: PLAINTEXT)."""
    if not auth.enabled:
        return None
    return faust.SASLCredentials(
        username=auth.username,
        password=auth.password,
        mechanism=auth.mechanism,  # type: ignore[arg-type]  # faust coerces the string to its enum
        ssl_context=auth.ssl_context() if auth.protocol == "SASL_SSL" else None,
    )


def stream_topics(app_id: str, partitions: int) -> list[TopicSpec]:
    """The topics the faust app ``app_id`` uses: its re-keyed reports, its table's changelog and its
    assignor's leader topic (the names faust gives them)."""
    delete, compact = {"cleanup.policy": "delete"}, {"cleanup.policy": "compact"}
    return [
        TopicSpec(f"{app_id}-fault-reports", partitions, "faust: re-keyed fault reports", configs=delete),
        TopicSpec(f"{app_id}-fault_reports-changelog", partitions, "faust: table changelog", configs=compact),
        TopicSpec(f"{app_id}-__assignor-__leader", 1, "faust: assignor leader", configs=delete),
    ]


class IncidentStream:
    def __init__(self, settings: TriageSettings, sink: Sink) -> None:
        self.settings = settings
        self.sink = sink
        self.app_id = f"{settings.topic_prefix}{settings.service_name}-incidents"
        self.app: faust.App | None = None
        self.running = False
        self.last_error: str | None = None
        if logging.getLogger().getEffectiveLevel() > logging.DEBUG:  # faust's lifecycle chatter only when debugging
            for name in ("faust", "mode"):
                logging.getLogger(name).setLevel(logging.WARNING)

    def build_app(self) -> faust.App:
        s = self.settings
        app = faust.App(
            self.app_id,
            broker=[f"kafka://{host.strip()}" for host in s.kafka_bootstrap.split(",")],
            broker_credentials=faust_credentials(s.kafka_auth),
            store="memory://",
            autodiscover=False,
            web_enabled=False,
            topic_partitions=s.incident_partitions,
            topic_replication_factor=s.incident_replication,
            topic_allow_declare=True,
            producer_acks=-1,
            consumer_auto_offset_reset="earliest",
        )
        source = app.topic(s.topic_prefix + topics.COMPLAINT_TRIAGED, key_serializer="raw", value_serializer="raw")
        reports = app.topic(
            f"{self.app_id}-fault-reports",
            partitions=s.incident_partitions,
            internal=True,
            key_serializer="raw",
            value_serializer="json",
        )
        window, step = s.incident_window_seconds, min(s.incident_step_seconds, s.incident_window_seconds)
        counts = app.Table("fault_reports", default=list, partitions=s.incident_partitions)
        windowed = counts.hopping(
            size=timedelta(seconds=window), step=timedelta(seconds=step), expires=timedelta(seconds=3 * window)
        ).relative_to(lambda event: event.value["received_at"])  # type: ignore[attr-defined]

        @app.agent(source)
        async def route(stream: Any) -> None:
            async for value in stream:
                report = report_of(value)
                if report is not None:
                    await reports.send(key=report.fault_key.encode(), value=asdict(report))

        @app.agent(reports)
        async def count(stream: Any) -> None:
            async for value in stream:
                report = FaultReport(**value)
                windowed[report.fault_key].apply(add_member, report.complaint_id)
                ranges = counts.window.ranges(report.received_at)  # type: ignore[union-attr]
                windows = [WindowCount(r[0], r[1], tuple(counts.get((report.fault_key, r)) or ())) for r in ranges]
                await self._deliver(report, windows)

        return app

    async def _deliver(self, report: FaultReport, windows: list[WindowCount]) -> None:
        """Retry while an engine is unreachable (the stream waits, nothing is lost); skip a report
        that can never succeed (logged), as the consumer loop would dead-letter it."""
        backoff = 0.2
        while True:
            try:
                await self.sink(report, windows)
                return
            except TRANSIENT as exc:
                log.warning("incident sink unavailable, retrying: %s", exc)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 5.0)
            except Exception:
                log.exception("incident sink failed on %s; skipped", report.complaint_id)
                return

    async def run(self, stop: asyncio.Event) -> None:
        """The runtime job: start the faust app, restart it if it crashes, stop it with the service."""
        backoff = 1.0
        while not stop.is_set():
            app = self.build_app()
            try:
                s = self.settings
                specs = stream_topics(self.app_id, s.incident_partitions)
                await ensure_topics(s.kafka_bootstrap, specs=specs, replication_factor=s.incident_replication)
                await asyncio.wait_for(app.start(), 120)
                self.app, self.running, self.last_error = app, True, None
                backoff = 1.0
                while not stop.is_set() and not app.should_stop and not app.crashed:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(stop.wait(), 1.0)
                if app.crashed:
                    self.last_error = f"crashed: {app.crash_reason!r}"
            except Exception as exc:  # broker unreachable at start, etc.
                self.last_error = f"{type(exc).__name__}: {exc}"
            finally:
                self.running = False
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(app.stop(), 30)
            if not stop.is_set():
                log.warning("incident stream stopped (%s); restarting in %.0fs", self.last_error, backoff)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), backoff)
                backoff = min(backoff * 2, 30.0)
