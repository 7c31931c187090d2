"""What an administrator submits: people and contractors with their work contact inline.

The contact is split off into the dispatch-only part (``Organisation.contacts``) by
:meth:`OrganisationIn.sections`; the rest is the shared snapshot shape."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from pm_common.org import Contractor, DutyOverride, DutyRule, OrgPerson, OrgTeam
from pm_dispatch.domain.organisation import RoutingRule, WorkContact, _Model


class PersonIn(OrgPerson):
    contact: WorkContact | None = None

    def split(self) -> tuple[OrgPerson, WorkContact | None]:
        return OrgPerson.model_validate(self.model_dump(exclude={"contact"})), self.contact


class ContractorIn(Contractor):
    contact: WorkContact | None = None

    def split(self) -> tuple[Contractor, WorkContact | None]:
        return Contractor.model_validate(self.model_dump(exclude={"contact"})), self.contact


class OrganisationIn(_Model):
    """The whole organisation of one estate (``PUT``); missing sections are empty."""

    timezone: str = "Asia/Shanghai"
    teams: list[OrgTeam] = Field(default_factory=list, max_length=200)
    people: list[PersonIn] = Field(default_factory=list, max_length=2000)
    duty_rules: list[DutyRule] = Field(default_factory=list, max_length=10000)
    overrides: list[DutyOverride] = Field(default_factory=list, max_length=10000)
    contractors: list[ContractorIn] = Field(default_factory=list, max_length=500)
    routing_rules: list[RoutingRule] = Field(default_factory=list, max_length=1000)

    def sections(self) -> dict[str, Any]:
        people = [p.split() for p in self.people]
        contractors = [c.split() for c in self.contractors]
        return {
            "timezone": self.timezone,
            "teams": self.teams,
            "people": [p for p, _ in people],
            "contacts": {p.person_id: c for p, c in people if c is not None},
            "duty_rules": self.duty_rules,
            "overrides": self.overrides,
            "contractors": [c for c, _ in contractors],
            "contractor_contacts": {c.contractor_id: k for c, k in contractors if k is not None},
            "routing_rules": self.routing_rules,
        }
