"""``OrgRouter``: the ``Router`` the task lifecycle calls, answering from the estate's organisation.

Ports it needs:
- an organisation source (``get(estate_id) -> Organisation | None``: the org repository);
- a ``WorkloadPort`` (``pm_dispatch.domain.assignment``), implemented by the task side:
  ``await open_counts(person_ids) -> {person_id: open task count}``. Expectations: it is asked only
  for the few on-duty candidates of one routing (a handful of ids, never an empty list); ids it
  does not know may be left out (they count 0); "open" = assigned to that person and not yet
  resolved, closed or cancelled; it must not scan every task per call on FerretDB (keep counters
  or an index-backed query) since it runs on every creation, return and reassignment.

An estate without an organisation (or without teams) falls back to ``DepartmentMapRouter``.
"""

from __future__ import annotations

from typing import Protocol

from pm_common.calendar import HolidayCalendar
from pm_dispatch.domain.assignment import Assignee, DepartmentMapRouter, Router, RoutingRequest, WorkloadPort
from pm_dispatch.domain.organisation import Organisation
from pm_dispatch.domain.organisation_errors import OrganisationNotFound
from pm_dispatch.domain.routing import manual, pick, plan


class OrgSource(Protocol):
    async def get(self, estate_id: str) -> Organisation | None: ...


class OrgRouter:
    def __init__(
        self,
        orgs: OrgSource,
        workload: WorkloadPort,
        *,
        fallback: Router | None = None,
        calendar: HolidayCalendar | None = None,
    ) -> None:
        self.orgs = orgs
        self.workload = workload
        self.fallback = fallback or DepartmentMapRouter()
        self.calendar = calendar

    async def route(self, request: RoutingRequest) -> Assignee:
        org = await self.orgs.get(request.estate_id)
        if org is None or not org.teams:
            return await self.fallback.route(request)
        route = plan(org, request, self.calendar)
        counts = await self.workload.open_counts(route.person_ids) if route.assignee is None else {}
        return pick(route, counts)

    async def manual(
        self,
        estate_id: str,
        *,
        reason: str,
        person_id: str | None = None,
        contractor_id: str | None = None,
        team_id: str | None = None,
    ) -> Assignee:
        """A supervisor's manual (re)assignment, checked against the estate's organisation.
        Raises ``OrganisationNotFound`` / ``ItemNotFound`` (404 in ``routes_org_errors``)."""
        org = await self.orgs.get(estate_id)
        if org is None:
            raise OrganisationNotFound(estate_id)
        return manual(org, reason=reason, person_id=person_id, contractor_id=contractor_id, team_id=team_id)
