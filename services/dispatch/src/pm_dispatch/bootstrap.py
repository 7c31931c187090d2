"""Wires adapters into handlers; the only place that builds clients."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TypeVar

from pydantic import BaseModel

from pm_common import topics
from pm_common.events import (
    EVENT_TYPES,
    ComplaintReceived,
    ComplaintTriaged,
    Envelope,
    SurveyAnswered,
    TaskCancelled,
)
from pm_common.events.payloads import ComplaintWithdrawn, GroupIncidentDeclared, GroupIncidentResolved
from pm_common.events.subjects import ComplaintSubjectsChanged
from pm_common.events.task_lifecycle import TaskClosed, TaskResolved
from pm_common.kafka.consumer import PermanentError
from pm_common.mongo import Mongo
from pm_common.runtime import ServiceRuntime
from pm_common.settings import CommonSettings
from pm_dispatch.adapters.ledger_index import LedgerIndex
from pm_dispatch.adapters.org_repository import ORGANISATIONS, MongoContactAudit, MongoOrgRepository
from pm_dispatch.adapters.owner_contacts import HttpOwnerContacts
from pm_dispatch.adapters.repository import TASKS, MongoTaskRepository
from pm_dispatch.config import DispatchSettings
from pm_dispatch.domain.assignment import Router
from pm_dispatch.service_layer import coordination, feedback, incident_close, sheets, subjects
from pm_dispatch.service_layer.organisation import OrgPorts
from pm_dispatch.service_layer.ports import OwnerContacts
from pm_dispatch.service_layer.routing import OrgRouter

P = TypeVar("P", bound=BaseModel)
RETURN_VISIT = "return_visit.recorded"


@dataclass(frozen=True)
class Adapters:
    repo: MongoTaskRepository
    ledger: LedgerIndex
    router: Router
    settings: DispatchSettings
    contacts: OwnerContacts


def subscribe(
    runtime: ServiceRuntime, topic: str, model: type[P], handler: Callable[[Envelope, P], Awaitable[object]]
) -> None:
    """A typed subscription: the payload is ``model`` or the message is dead-lettered."""

    async def call(envelope: Envelope, payload: BaseModel) -> None:
        if not isinstance(payload, model):
            raise PermanentError(f"{topic}: expected {model.__name__}, got {type(payload).__name__}")
        await handler(envelope, payload)

    runtime.subscribe(topic, call)


async def _setup(mongo: Mongo) -> None:
    await MongoTaskRepository.create_indexes(mongo)
    await MongoOrgRepository.create_indexes(mongo)


def now() -> datetime:
    return datetime.now(UTC)


def build_runtime(settings: CommonSettings, router: Router | None = None) -> ServiceRuntime:
    if not isinstance(settings, DispatchSettings):
        raise TypeError("dispatch needs DispatchSettings")
    runtime = ServiceRuntime(settings, outbox_collections=[TASKS, ORGANISATIONS], setup=_setup)
    ledger = LedgerIndex(runtime.mongo)
    repo = MongoTaskRepository(runtime.mongo, ledger)
    # the organisation (routes_org*) and the router the lifecycle asks: routing rules, roster, load by the
    # ledger's open-task counts, contractors, control room; the department map when an estate has none
    orgs = MongoOrgRepository(runtime.mongo)
    org_router = OrgRouter(orgs, ledger)
    runtime.state["org"] = OrgPorts(orgs, MongoContactAudit(runtime.mongo), org_router)
    routes = router or org_router
    adapters = Adapters(repo, ledger, routes, settings, HttpOwnerContacts(settings.intake_url, settings.auth_secret))
    runtime.state["adapters"] = adapters
    cap = settings.deadline_cap_seconds

    subscribe(
        runtime,
        topics.COMPLAINT_RECEIVED,
        ComplaintReceived,
        lambda e, p: sheets.on_received(e, p, repo, now(), routes),
    )
    subscribe(
        runtime,
        topics.COMPLAINT_TRIAGED,
        ComplaintTriaged,
        lambda e, p: sheets.on_triaged(e, p, repo, routes, now(), cap),
    )
    subscribe(
        runtime, topics.COMPLAINT_WITHDRAWN, ComplaintWithdrawn, lambda e, p: sheets.on_withdrawn(e, p, repo, now())
    )
    subscribe(
        runtime,
        topics.COMPLAINT_SUBJECTS_CHANGED,
        ComplaintSubjectsChanged,
        lambda e, p: subjects.on_subjects_changed(e, p, repo, routes, now()),
    )
    subscribe(
        runtime,
        topics.INCIDENT_DECLARED,
        GroupIncidentDeclared,
        lambda e, p: coordination.on_incident_declared(e, p, repo, routes, now()),
    )
    subscribe(
        runtime,
        topics.INCIDENT_RESOLVED,
        GroupIncidentResolved,
        lambda e, p: coordination.on_incident_resolved(e, p, repo, now()),
    )
    subscribe(
        runtime, topics.TASK_RESOLVED, TaskResolved, lambda e, p: coordination.on_task_resolved(e, p, repo, now())
    )
    # its own: a group incident's parent closes when all its children are closed (or cancelled)
    subscribe(
        runtime, topics.TASK_CLOSED, TaskClosed, lambda e, p: incident_close.on_child_over(e, p.task_id, repo, now())
    )
    subscribe(
        runtime,
        topics.TASK_CANCELLED,
        TaskCancelled,
        lambda e, p: incident_close.on_child_over(e, p.task_id, repo, now()),
    )
    subscribe(
        runtime, topics.SURVEY_ANSWERED, SurveyAnswered, lambda e, p: feedback.on_survey(e, p, repo, routes, now())
    )

    async def on_return_visit(e: Envelope, p: BaseModel) -> None:
        await feedback.on_return_visit(e, p, repo, routes, now())

    if RETURN_VISIT in EVENT_TYPES:  # the notifier's event: subscribed once its payload is registered
        runtime.subscribe(RETURN_VISIT, on_return_visit)
    return runtime


def adapters_of(runtime: ServiceRuntime) -> Adapters:
    adapters: Adapters = runtime.state["adapters"]
    return adapters
