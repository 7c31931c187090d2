"""Wires adapters into handlers; the only place that builds clients."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from pm_common import topics
from pm_common.calendar import HolidayCalendar
from pm_common.events import ComplaintReceived, Envelope, TaskCompleted
from pm_common.events.subjects import ComplaintSubjectsChanged
from pm_common.events.task_lifecycle import TaskResolved
from pm_common.kafka import PermanentError
from pm_common.mongo import Mongo
from pm_common.runtime import ServiceRuntime
from pm_common.settings import CommonSettings
from pm_common.subjects_store import COLLECTION as SUBJECTS
from pm_common.subjects_store import SubjectsStore
from pm_triage.adapters.config_repository import MongoEstateConfigRepository
from pm_triage.adapters.incident_repository import DECISIONS, INCIDENTS, MongoIncidentRepository
from pm_triage.adapters.repository import REVIEWS, TRIAGES, MongoTriageRepository
from pm_triage.config import TriageSettings
from pm_triage.domain.acceptance import AcceptancePolicy
from pm_triage.domain.classification.linear_model import load_triage_model
from pm_triage.domain.duplicates import HistoryPolicy
from pm_triage.domain.incidents import FaultReport, IncidentPolicy, WindowCount
from pm_triage.entrypoints.incident_stream import IncidentStream
from pm_triage.service_layer import handlers, incidents, subjects
from pm_triage.service_layer.classifiers import EstateClassifiers


@dataclass(frozen=True)
class Triage:
    """What the API needs: repositories, per-estate classifiers, calendar and rules."""

    triages: MongoTriageRepository
    incidents: MongoIncidentRepository
    config: MongoEstateConfigRepository
    classifiers: EstateClassifiers
    calendar: HolidayCalendar
    rules: handlers.TriageRules
    stream: IncidentStream | None


def rules_of(settings: TriageSettings) -> handlers.TriageRules:
    return handlers.TriageRules(
        acceptance=AcceptancePolicy(
            review_confidence=settings.review_confidence, auto_reject_confidence=settings.auto_reject_confidence
        ),
        history=HistoryPolicy(lookback_days=settings.history_lookback_days),
        incidents=IncidentPolicy(
            threshold=settings.incident_threshold,
            window_seconds=settings.incident_window_seconds,
            step_seconds=min(settings.incident_step_seconds, settings.incident_window_seconds),
        ),
    )


async def create_indexes(mongo: Mongo) -> None:
    await MongoTriageRepository.create_indexes(mongo)
    await MongoIncidentRepository.create_indexes(mongo)
    await MongoIncidentRepository(mongo).backfill()  # logs and links of incidents stored before them (once)
    await MongoEstateConfigRepository.create_indexes(mongo)


def build_runtime(settings: CommonSettings) -> ServiceRuntime:
    assert isinstance(settings, TriageSettings)
    runtime = ServiceRuntime(
        settings, outbox_collections=[TRIAGES, REVIEWS, INCIDENTS, DECISIONS], setup=create_indexes
    )
    repo = MongoTriageRepository(runtime.mongo)
    incident_repo = MongoIncidentRepository(runtime.mongo)
    config = MongoEstateConfigRepository(runtime.mongo)
    calendar = HolidayCalendar.load(Path(settings.holiday_dir) if settings.holiday_dir else None)
    model = load_triage_model(Path(settings.model_file)) if settings.model_file else None
    classifiers = EstateClassifiers(config, model=model)
    rules = rules_of(settings)
    store = SubjectsStore(runtime.mongo.collection(SUBJECTS))  # later changes of the 被投诉人, by revision

    async def on_received(envelope: Envelope, payload: object) -> None:
        assert isinstance(payload, ComplaintReceived)
        now = datetime.now(UTC)
        try:
            await handlers.triage_received(envelope, payload, classifiers, repo, incident_repo, calendar, rules, now)
        except handlers.ContentTooLong as exc:
            raise PermanentError(str(exc)) from exc
        await subjects.after_received(payload.complaint_id, store, repo)  # a change that came first

    async def on_subjects_changed(envelope: Envelope, payload: object) -> None:
        assert isinstance(payload, ComplaintSubjectsChanged)
        await subjects.on_subjects_changed(payload, store, repo)

    async def on_completed(envelope: Envelope, payload: object) -> None:
        assert isinstance(payload, TaskCompleted | TaskResolved)
        await handlers.record_answer(envelope, payload, repo)

    async def on_fault_windows(report: FaultReport, windows: list[WindowCount]) -> object:
        return await incidents.on_fault_windows(report, windows, rules.incidents, incident_repo, datetime.now(UTC))

    runtime.subscribe(topics.COMPLAINT_RECEIVED, on_received)
    runtime.subscribe(topics.TASK_COMPLETED, on_completed)  # old records
    runtime.subscribe(topics.TASK_RESOLVED, on_completed)
    runtime.subscribe(topics.COMPLAINT_SUBJECTS_CHANGED, on_subjects_changed)
    stream = IncidentStream(settings, on_fault_windows) if settings.incidents_enabled else None
    if stream is not None:
        runtime.add_job(stream.run)
    runtime.state["triage"] = Triage(repo, incident_repo, config, classifiers, calendar, rules, stream)
    return runtime
