"""Snapshot of one estate's organisation: teams, people, duty rules, overrides, contractors."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

Role = Literal[
    "handler",  # 处理人（维修工、保洁、秩序维护员…）
    "supervisor",  # 主管 / 值班主管
    "duty_manager",  # 值班经理
    "project_manager",  # 项目经理（项目第一负责人）
    "customer_service",  # 客服（核实、回访）
    "control_room",  # 中控室值班员
    "quality",  # 集团品质部
    "front_desk",  # 前台 / 热线
    "leadership",  # 集团领导
]
ROLES: tuple[str, ...] = Role.__args__  # type: ignore[attr-defined]

DayKind = Literal["working", "rest", "all"]
Weekday = Annotated[int, Field(ge=1, le=7)]  # ISO weekday, 1 = Monday
_HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class OrgTeam(_Model):
    team_id: str
    name_zh: str
    name_en: str = ""
    department: str  # engineering / cleaning_greening / security / customer_service / finance / control_room …
    kind: Literal["internal", "control_room"] = "internal"


class OrgPerson(_Model):
    person_id: str
    name: str
    roles: list[Role]
    team_ids: list[str] = Field(default_factory=list)
    skills: list[str] = Field(default_factory=list)  # e.g. lift, electrical, plumbing, gas
    # accepted channel kinds, preferred first: pager, sms, wechat, email, push
    channels: list[str] = Field(default_factory=list)
    active: bool = True


class DutyRule(_Model):
    """A recurring shift: on ``days`` (working days, rest days incl. statutory holidays, all days, or ISO
    weekdays 1–7) from ``start`` to ``end`` local time; ``end`` <= ``start`` means the shift ends the next
    day (a night shift). Which days are working days comes from the statutory calendar (调休 included)."""

    person_id: str
    role: Role
    team_id: str | None = None
    days: DayKind | list[Weekday] = "working"
    start: str = "08:30"
    end: str = "17:30"

    @field_validator("start", "end")
    @classmethod
    def _hhmm(cls, value: str) -> str:
        if not _HHMM.match(value):
            raise ValueError("时间格式应为 HH:MM / time must be HH:MM")
        return value

    @field_validator("days")
    @classmethod
    def _weekdays(cls, value: DayKind | list[Weekday]) -> DayKind | list[Weekday]:
        if isinstance(value, list) and (not value or any(d < 1 or d > 7 for d in value)):
            raise ValueError("星期应为 1–7 / weekdays must be 1–7")
        return value


class DutyOverride(_Model):
    """A one-off change on one local date: an extra shift (``on_duty``) or leave (``not on_duty``,
    which removes every rule-based shift of that person starting that date)."""

    person_id: str
    role: Role
    day: date
    on_duty: bool = True
    start: str = "00:00"
    end: str = "00:00"  # 00:00–00:00 = the whole day
    team_id: str | None = None


class Contractor(_Model):
    contractor_id: str
    name: str
    trades: list[str]  # lift, fire, waterproofing, pest_control …
    estate_ids: list[str] = Field(default_factory=list)
    contract_days: DayKind | list[Weekday] = "all"
    contract_start: str = "00:00"
    contract_end: str = "00:00"  # 00:00–00:00 = around the clock
    channels: list[str] = Field(default_factory=list)


class OrgSnapshot(_Model):
    estate_id: str
    version: int = Field(ge=1)
    timezone: str = "Asia/Shanghai"
    teams: list[OrgTeam] = Field(default_factory=list)
    people: list[OrgPerson] = Field(default_factory=list)
    duty_rules: list[DutyRule] = Field(default_factory=list)
    overrides: list[DutyOverride] = Field(default_factory=list)
    contractors: list[Contractor] = Field(default_factory=list)
    updated_at: datetime

    def person(self, person_id: str) -> OrgPerson | None:
        return next((p for p in self.people if p.person_id == person_id), None)
