"""Wires adapters into handlers; the only place that builds clients."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import httpx

from pm_common import topics
from pm_common.events import ComplaintReceived, Envelope
from pm_common.events.subjects import ComplaintSubjectsChanged
from pm_common.mongo import Mongo
from pm_common.runtime import ServiceRuntime
from pm_common.settings import CommonSettings
from pm_common.subjects_store import COLLECTION as SUBJECTS
from pm_common.subjects_store import SubjectsStore
from pm_notifier.adapters import stores
from pm_notifier.adapters.channels.base import Resilience, ResilientChannel
from pm_notifier.adapters.channels.email import SmtpMailer
from pm_notifier.adapters.channels.http import PushWebhook, SmsGateway, StaffPager, WeChatTemplate
from pm_notifier.adapters.channels.inbox import inbox
from pm_notifier.adapters.contacts import HttpContactDirectory
from pm_notifier.adapters.repository import DELIVERIES, MongoDeliveryStore
from pm_notifier.adapters.timers import MongoTimers
from pm_notifier.config import NotifierSettings
from pm_notifier.domain.links import LinkSigner
from pm_notifier.service_layer import events, timers
from pm_notifier.service_layer.context import NotifierPorts
from pm_notifier.service_layer.delivery import DeliveryPorts
from pm_notifier.service_layer.ports import Channel

log = logging.getLogger(__name__)
SUBSCRIBED = (
    topics.COMPLAINT_RECEIVED,
    topics.COMPLAINT_TRIAGED,
    topics.TASK_ASSIGNED,
    topics.TASK_APPOINTMENT_SET,
    topics.TASK_PROGRESS_NOTED,
    topics.TASK_EXTENSION_APPROVED,
    topics.TASK_PAUSED,
    topics.TASK_CANCELLED,
    topics.TASK_CLOSED,
    topics.TASK_RESOLVED,
    topics.TASK_COMPLETED,
    topics.TASK_VERIFIED,
    topics.TASK_REOPENED,
    topics.TASK_SLA_WARNING,
    topics.TASK_OVERDUE,
    topics.INCIDENT_DECLARED,
    topics.INCIDENT_RESOLVED,
    topics.ORG_CHANGED,
    topics.COMPLAINT_SUBJECTS_CHANGED,
)


@dataclass
class Clock:
    """The notifier's time; tests move it forward (``advance``) instead of waiting."""

    offset: timedelta = field(default_factory=timedelta)

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def advance(self, delta: timedelta) -> None:
        self.offset += delta


def build_channels(settings: NotifierSettings, client: httpx.AsyncClient) -> dict[str, Channel]:
    def resilient(kind: str, call: object) -> ResilientChannel:
        r = Resilience(
            settings.channel_timeout_seconds,
            settings.channel_attempts,
            settings.channel_backoff_seconds,
            settings.rate_of(kind),
        )
        return ResilientChannel(kind, call, r)  # type: ignore[arg-type]

    s = settings
    return {
        "sms": resilient("sms", SmsGateway(client, s.sms_url, s.sms_api_key, s.sms_sign_name)),
        "wechat": resilient(
            "wechat", WeChatTemplate(client, s.wechat_url, s.wechat_appid, s.wechat_secret, s.wechat_template_id)
        ),
        "email": resilient(
            "email",
            SmtpMailer(s.smtp_host, s.smtp_port, s.smtp_sender, s.smtp_username, s.smtp_password, s.smtp_starttls),
        ),
        "push": resilient("push", PushWebhook(client, s.push_url)),
        "pager": resilient("pager", StaffPager(client, s.pager_url)),
        "inbox": resilient("inbox", inbox),
    }


def build_ports(mongo: Mongo, settings: NotifierSettings, client: httpx.AsyncClient) -> NotifierPorts:
    rosters = stores.MongoRosters(mongo)
    delivery = DeliveryPorts(
        store=MongoDeliveryStore(mongo),
        contacts=HttpContactDirectory(
            client, settings.intake_url, settings.dispatch_url, settings.auth_secret, rosters
        ),
        channels=build_channels(settings, client),
        timers=MongoTimers(mongo, settings.timer_resync_seconds),
        preferences=stores.MongoDocuments(mongo, stores.PREFERENCES),
        estates=stores.MongoDocuments(mongo, stores.ESTATES),
    )
    return NotifierPorts(
        delivery=delivery,
        rosters=rosters,
        tasks=stores.MongoDocuments(mongo, stores.TASKS),
        pages=stores.MongoDocuments(mongo, stores.PAGES),
        followups=stores.MongoDocuments(mongo, stores.FOLLOWUPS),
        links=LinkSigner(settings.link_secret or settings.auth_secret),
        settings=settings,
        subjects=SubjectsStore(mongo.collection(SUBJECTS)),
    )


async def setup(mongo: Mongo) -> None:
    await MongoDeliveryStore.create_indexes(mongo)


def build_runtime(settings: CommonSettings) -> ServiceRuntime:
    assert isinstance(settings, NotifierSettings)
    runtime = ServiceRuntime(settings, outbox_collections=[DELIVERIES, stores.FOLLOWUPS], setup=setup)
    client = httpx.AsyncClient(timeout=settings.channel_timeout_seconds)
    ports = build_ports(runtime.mongo, settings, client)
    clock = Clock()
    runtime.state.update(ports=ports, clock=clock)

    async def on_event(envelope: Envelope, payload: object) -> None:
        # the 被投诉人 of each complaint (staff reads hide its messages, pages and visits from them)
        if isinstance(payload, ComplaintSubjectsChanged):
            await ports.subjects.record(
                payload.complaint_id, payload.estate_id, payload.subject_staff_ids, payload.revision
            )
            return
        if isinstance(payload, ComplaintReceived):
            await ports.subjects.record(payload.complaint_id, payload.estate_id, payload.subject_staff_ids, 0)
        await events.handle(envelope, payload, ports, clock.now())

    for topic in SUBSCRIBED:
        runtime.subscribe(topic, on_event)

    async def timer_job(stop: asyncio.Event) -> None:
        try:
            while not stop.is_set():
                try:
                    await timers.run_due(ports, clock.now())
                except Exception:
                    log.exception("timer round failed")
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), settings.timer_seconds)
        finally:
            await client.aclose()

    runtime.add_job(timer_job)
    return runtime


def ports_of(runtime: ServiceRuntime) -> NotifierPorts:
    ports: NotifierPorts = runtime.state["ports"]
    return ports


def clock_of(runtime: ServiceRuntime) -> Clock:
    clock: Clock = runtime.state["clock"]
    return clock
