"""In-memory stand-ins of dispatch's ports (the repository contract suite runs against it too)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from pm_common.events import ComplaintReceived, ComplaintTriaged, Deadlines, Envelope, Location, new_event
from pm_dispatch.domain.assignment import Assignee, RoutingRequest
from pm_dispatch.domain.ledger import OPEN_STATUSES, Row, merge, row_of
from pm_dispatch.domain.task import Task

NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)


class FakeRepo:
    def __init__(self) -> None:
        self.docs: dict[str, dict[str, Any]] = {}
        self.events: list[Envelope] = []
        self.rows: dict[str, Row] = {}

    async def get(self, task_id: str) -> Task | None:
        doc = self.docs.get(task_id)
        return Task.from_document(doc) if doc else None

    async def add(self, task: Task, cause: Envelope | None = None) -> bool:
        if task.id in self.docs:
            return False
        task.version = 0
        self._write(task, cause)
        return True

    async def save(self, task: Task, cause: Envelope | None = None) -> bool:
        stored = self.docs.get(task.id)
        if stored is None or stored["version"] != task.version:
            return False
        task.version += 1
        self._write(task, cause)
        return True

    def _write(self, task: Task, cause: Envelope | None) -> None:
        self.events.extend(e for _, e in task.envelopes(cause))
        task.pending.clear()
        self.docs[task.id] = task.to_document()
        merge(self.rows, [row_of(task)])

    # LedgerRows + WorkloadPort
    async def estates(self) -> list[str]:
        return sorted({r.estate for r in self.rows.values()})

    async def rows_of(self, estates: tuple[str, ...]) -> list[Row]:
        return [r for r in self.rows.values() if "*" in estates or r.estate in estates]

    async def open_counts(self, person_ids: list[str]) -> dict[str, int]:
        return {p: sum(r.handler == p and r.status in OPEN_STATUSES for r in self.rows.values()) for p in person_ids}

    def types(self, since: int = 0) -> list[str]:
        return [e.type for e in self.events[since:]]


class FakeLedger:
    def __init__(self, repo: FakeRepo) -> None:
        self.repo = repo

    async def rows(self, estates: tuple[str, ...]) -> list[Row]:
        return await self.repo.rows_of(estates)

    async def estates(self) -> list[str]:
        return await self.repo.estates()


class FakeRouter:
    """Routes to a named person per category (``people``), else the department's team; records requests."""

    def __init__(self, people: dict[str, str] | None = None) -> None:
        self.people = people or {}
        self.requests: list[RoutingRequest] = []

    async def route(self, request: RoutingRequest) -> Assignee:
        self.requests.append(request)
        person = self.people.get(request.category)
        if person and person not in request.exclude:
            return Assignee(kind="person", department=request.category, person_id=person, reason="rule")
        return Assignee(kind="team", department=request.category, team_id=f"team-{request.category}", reason="map")


def triaged(
    cid: str = "c1",
    *,
    category: str = "cleaning_greening",
    urgency: str = "general",
    decision: str = "accepted",
    revision: int = 1,
    estate: str = "SUNNY",
    at: datetime = NOW,
    **extra: Any,
) -> tuple[Envelope, ComplaintTriaged]:
    payload = ComplaintTriaged(
        complaint_id=cid,
        estate_id=estate,
        decision=decision,
        category=category,
        urgency=urgency,
        scope="building",
        confidence=0.9,
        triaged_at=at,
        revision=revision,
        deadlines=Deadlines(
            dispatch_by=at + timedelta(days=1),
            resolve_by=at + timedelta(days=3),
            onsite_by=at + timedelta(hours=2) if urgency == "urgent" else None,
        ),
        **extra,
    )
    return new_event(payload, source="pm/triage", estate_id=estate), payload


def received(
    cid: str = "c1", estate: str = "SUNNY", content: str = "3号楼大堂地面很脏", at: datetime = NOW
) -> tuple[Envelope, ComplaintReceived]:
    payload = ComplaintReceived(
        complaint_id=cid,
        reference_no=f"{estate}-20261123-0001",
        estate_id=estate,
        channel="phone",
        content=content,
        matter="环境卫生",
        location=Location(building="3", area="大堂"),
        owner_phone_masked="138****1234",
        raised_at=at,
        received_at=at,
        evidence_ids=("ev-1",),
    )
    return new_event(payload, source="pm/intake", estate_id=estate), payload
