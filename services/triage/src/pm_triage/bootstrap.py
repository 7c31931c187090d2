"""Wires adapters into handlers; the only place that builds clients."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from pm_common import topics
from pm_common.calendar import HolidayCalendar
from pm_common.events import ComplaintReceived, Envelope
from pm_common.mongo import Mongo
from pm_common.runtime import ServiceRuntime
from pm_common.settings import CommonSettings

from pm_triage.adapters.repository import TRIAGES, MongoTriageRepository
from pm_triage.config import TriageSettings
from pm_triage.domain.classification import Classifier
from pm_triage.service_layer import handlers


def build_runtime(settings: CommonSettings) -> ServiceRuntime:
    assert isinstance(settings, TriageSettings)
    runtime = ServiceRuntime(settings, outbox_collections=[TRIAGES], setup=MongoTriageRepository.create_indexes)
    repo = MongoTriageRepository(runtime.mongo)
    calendar = HolidayCalendar.load(Path(settings.holiday_dir) if settings.holiday_dir else None)
    classifier = Classifier.default()
    runtime.state["classifier"] = classifier

    async def on_received(envelope: Envelope, payload: object) -> None:
        assert isinstance(payload, ComplaintReceived)
        await handlers.triage_received(envelope, payload, classifier, repo, calendar, datetime.now(UTC))

    runtime.subscribe(topics.COMPLAINT_RECEIVED, on_received)
    return runtime


def repository(mongo: Mongo) -> MongoTriageRepository:
    return MongoTriageRepository(mongo)
