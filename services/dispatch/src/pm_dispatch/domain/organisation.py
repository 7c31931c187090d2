"""One estate's organisation as dispatch keeps it (组织架构): the shared snapshot plus what only
dispatch holds — routing rules and the work contacts of people and contractors.

The snapshot part (teams, people, duty rules, overrides, contractors) is what ``org.changed`` carries
to the SLA monitor and the notifier; routing rules and contact values never leave dispatch.
Every change produces a new :class:`Organisation` with ``version`` + 1 and is checked as a whole by
:func:`check` (ids unique, references resolve), which raises :class:`InvalidOrganisation`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator

from pm_common.org import Contractor, DutyOverride, DutyRule, OrgPerson, OrgSnapshot, OrgTeam, Role
from pm_dispatch.domain.organisation_errors import InvalidOrganisation, Problem

_PHONE = re.compile(r"^\+?\d[\d-]{4,19}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_OPENID = re.compile(r"^[A-Za-z0-9_-]{6,64}$")
_ID = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class WorkContact(_Model):
    """Work contact of a person or a contractor: stored only in dispatch, served to the notifier
    through the audited internal API, never put on a topic."""

    contact_name: str | None = Field(None, max_length=60)  # contractors: the person to ask for
    phone: str | None = None
    email: str | None = None
    wechat_openid: str | None = None

    @field_validator("phone")
    @classmethod
    def _phone(cls, value: str | None) -> str | None:
        if value is not None and not _PHONE.match(value):
            raise ValueError("电话号码格式不正确 / phone number is malformed")
        return value

    @field_validator("email")
    @classmethod
    def _email(cls, value: str | None) -> str | None:
        if value is not None and not _EMAIL.match(value):
            raise ValueError("邮箱格式不正确 / e-mail address is malformed")
        return value

    @field_validator("wechat_openid")
    @classmethod
    def _openid(cls, value: str | None) -> str | None:
        if value is not None and not _OPENID.match(value):
            raise ValueError("微信 openid 格式不正确 / WeChat openid is malformed")
        return value


class RoutingRule(_Model):
    """Nature × scope × location × grade × urgency → team. Empty lists match anything; every
    non-empty list must contain the request's value (``needs``: one of the request's skills).
    The lowest ``priority`` among matching rules wins (ties: ``rule_id``). ``contractor_trade``
    sends the item to an external contractor of that trade serving the estate within contract
    hours (else to the control room)."""

    rule_id: str = Field(pattern=_ID)
    priority: int = Field(100, ge=0, le=10_000)
    categories: list[str] = Field(default_factory=list)
    scopes: list[str] = Field(default_factory=list)
    buildings: list[str] = Field(default_factory=list)
    areas: list[str] = Field(default_factory=list)
    grades: list[str] = Field(default_factory=list)
    urgencies: list[str] = Field(default_factory=list)
    needs: list[str] = Field(default_factory=list)  # the item needs any of these skills (lift, fire …)
    team_id: str
    role: Role = "handler"  # who in the team takes it
    skills: list[str] = Field(default_factory=list)  # preferred skills of the person
    contractor_trade: str | None = None
    note: str = Field("", max_length=200)


class Organisation(_Model):
    estate_id: str
    version: int = Field(0, ge=0)  # 0: nothing configured yet
    timezone: str = "Asia/Shanghai"
    teams: list[OrgTeam] = Field(default_factory=list)
    people: list[OrgPerson] = Field(default_factory=list)
    duty_rules: list[DutyRule] = Field(default_factory=list)
    overrides: list[DutyOverride] = Field(default_factory=list)
    contractors: list[Contractor] = Field(default_factory=list)
    routing_rules: list[RoutingRule] = Field(default_factory=list)
    contacts: dict[str, WorkContact] = Field(default_factory=dict)  # person_id -> contact
    contractor_contacts: dict[str, WorkContact] = Field(default_factory=dict)  # contractor_id -> contact
    updated_at: datetime | None = None
    updated_by: str | None = None

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError("未知时区 / unknown time zone") from None
        return value

    def team(self, team_id: str | None) -> OrgTeam | None:
        return next((t for t in self.teams if t.team_id == team_id), None)

    def control_room(self) -> OrgTeam | None:
        return next((t for t in self.teams if t.kind == "control_room"), None)

    def person(self, person_id: str) -> OrgPerson | None:
        return next((p for p in self.people if p.person_id == person_id), None)

    def snapshot(self) -> OrgSnapshot:
        """What other services get (``org.changed``): no routing rules, no contact values."""
        assert self.updated_at is not None and self.version >= 1
        return OrgSnapshot(
            estate_id=self.estate_id,
            version=self.version,
            timezone=self.timezone,
            teams=self.teams,
            people=self.people,
            duty_rules=self.duty_rules,
            overrides=self.overrides,
            contractors=self.contractors,
            updated_at=self.updated_at,
        )

    def content(self) -> dict[str, Any]:
        """Everything a change can alter (to tell a real change from a repeated one)."""
        return self.model_dump(mode="json", exclude={"version", "updated_at", "updated_by"})

    def changed(self, update: dict[str, Any], at: datetime, by: str) -> Organisation:
        """The next version with ``update`` applied (whole sections), checked as a whole."""
        data = {**self.model_dump(), **update, "version": self.version + 1, "updated_at": at, "updated_by": by}
        org = Organisation.model_validate(data)
        check(org)
        return org


@dataclass(frozen=True, slots=True)
class ContactLookup:
    """One audited staff-contact lookup (who asked, when, for whom, why)."""

    lookup_id: str
    at: datetime
    caller: str  # token subject, e.g. service:notifier
    role: str
    person_id: str
    estate_id: str | None
    reason: str
    event_id: str | None
    outcome: Literal["served", "not_found", "refused"]


def _duplicates(values: list[str]) -> set[str]:
    seen: set[str] = set()
    return {v for v in values if v in seen or seen.add(v)}  # type: ignore[func-returns-value]


def check(org: Organisation) -> None:
    """Referential integrity of one organisation; every problem is reported at once."""
    problems: list[Problem] = []
    teams = {t.team_id for t in org.teams}
    people = {p.person_id for p in org.people}
    contractors = {c.contractor_id for c in org.contractors}
    for label, ids in (
        ("teams", [t.team_id for t in org.teams]),
        ("people", [p.person_id for p in org.people]),
        ("contractors", [c.contractor_id for c in org.contractors]),
        ("routing_rules", [r.rule_id for r in org.routing_rules]),
    ):
        for dup in sorted(_duplicates(ids)):
            problems.append(Problem(label, f"编号重复：{dup}", f"duplicate id {dup}"))
    if sum(1 for t in org.teams if t.kind == "control_room") > 1:
        problems.append(Problem("teams", "每个项目只能有一个中控室", "an estate has at most one control room"))
    for i, person in enumerate(org.people):
        for team_id in person.team_ids:
            if team_id not in teams:
                problems.append(Problem(f"people.{i}.team_ids", f"班组不存在：{team_id}", f"unknown team {team_id}"))
    shifts = [("duty_rules", i, r.person_id, r.team_id) for i, r in enumerate(org.duty_rules)]
    shifts += [("overrides", i, o.person_id, o.team_id) for i, o in enumerate(org.overrides)]
    for section, i, who, shift_team in shifts:
        if who not in people:
            problems.append(Problem(f"{section}.{i}.person_id", f"人员不存在：{who}", f"unknown person {who}"))
        if shift_team is not None and shift_team not in teams:
            problems.append(Problem(f"{section}.{i}.team_id", f"班组不存在：{shift_team}", "unknown team"))
    for i, rule in enumerate(org.routing_rules):
        if rule.team_id not in teams:
            problems.append(Problem(f"routing_rules.{i}.team_id", f"班组不存在：{rule.team_id}", "unknown team"))
    for person_id in org.contacts:
        if person_id not in people:
            msg = "联系方式对应的人员不存在", "contact of an unknown person"
            problems.append(Problem(f"contacts.{person_id}", *msg))
    for contractor_id in org.contractor_contacts:
        if contractor_id not in contractors:
            msg = "联系方式对应的外包单位不存在", "contact of an unknown contractor"
            problems.append(Problem(f"contractor_contacts.{contractor_id}", *msg))
    if problems:
        raise InvalidOrganisation(problems)
