"""Who a task goes to, and the port the task lifecycle asks (the organisation module answers).

The task lifecycle (handlers.py and friends) calls ``Router.route(request)`` when a task is created,
returned (wrong department) or reassigned; the organisation side (routing rules, roster, load balancing,
contractors) implements it. ``DepartmentMapRouter`` is the fallback used when an estate has no
organisation configured: the department from the fixed category map, no named person.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal, Protocol

from pm_dispatch.domain.model import department_for

AssigneeKind = Literal["person", "team", "contractor", "control_room"]


@dataclass(frozen=True, slots=True)
class Assignee:
    kind: AssigneeKind
    department: str
    team_id: str | None = None
    person_id: str | None = None
    contractor_id: str | None = None
    name: str | None = None
    rule_id: str | None = None  # the routing rule that chose it (None: fallback or manual)
    reason: str = ""  # why (shown on the sheet): "rule r-12 lift × urgent", "on duty at 03:00", "manual: …"


@dataclass(frozen=True, slots=True)
class RoutingRequest:
    estate_id: str
    task_id: str
    category: str
    urgency: str
    scope: str | None
    grade: str | None
    building: str | None
    area: str | None
    at: datetime
    skills: tuple[str, ...] = ()  # e.g. ("lift",) from the triage evidence / matter
    exclude: tuple[str, ...] = field(default=())  # team or person ids the task was returned by


class Router(Protocol):
    async def route(self, request: RoutingRequest) -> Assignee: ...


class WorkloadPort(Protocol):
    """Open-task counts per person, for load balancing (the task side keeps them)."""

    async def open_counts(self, person_ids: list[str]) -> dict[str, int]: ...


class DepartmentMapRouter:
    async def route(self, request: RoutingRequest) -> Assignee:
        department = department_for(request.category)
        return Assignee(kind="team", department=department, reason="默认部门映射 / default department map")
