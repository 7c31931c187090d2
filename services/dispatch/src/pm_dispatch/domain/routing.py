"""Who gets an item, decided from an estate's organisation (pure: no I/O).

Two steps, so the open-task counts are asked only for the people who could take it:

1. :func:`plan` — the first matching routing rule (lowest ``priority``, then ``rule_id``; rules whose
   team returned the task are skipped; no rule → the team of the category's default department).
   A rule with ``contractor_trade`` → a contractor of that trade serving the estate within contract
   hours. Otherwise the team's members holding the rule's role **on duty now** (roster incl. nights,
   weekends, statutory holidays and 调休 via ``pm_common.org.on_duty``), those with the wanted skills
   first. Nobody on duty (out of hours) or no contractor available → the control room's on-duty
   person (中控室, DOMAIN §9); nobody there either → the duty manager on duty; nobody at all → the
   team itself (no named person).
2. :func:`pick` — among the candidates, the one with the fewest open tasks; ties by ``person_id``
   (deterministic).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from zoneinfo import ZoneInfo

from pm_common.calendar import HolidayCalendar
from pm_common.org import OrgPerson, OrgTeam, contractor_available, on_duty
from pm_dispatch.domain.assignment import Assignee, AssigneeKind, RoutingRequest
from pm_dispatch.domain.model import department_for
from pm_dispatch.domain.organisation import Organisation, RoutingRule
from pm_dispatch.domain.organisation_errors import ItemNotFound


@dataclass(frozen=True, slots=True)
class RoutePlan:
    """Either a final ``assignee`` or a ``template`` to complete with one of ``candidates``."""

    template: Assignee
    candidates: tuple[OrgPerson, ...] = ()
    assignee: Assignee | None = None

    @property
    def person_ids(self) -> list[str]:
        return [p.person_id for p in self.candidates]


def _matches(rule: RoutingRule, request: RoutingRequest) -> bool:
    wanted = (
        (rule.categories, request.category),
        (rule.scopes, request.scope),
        (rule.buildings, request.building),
        (rule.areas, request.area),
        (rule.grades, request.grade),
        (rule.urgencies, request.urgency),
    )
    if rule.needs and not set(rule.needs) & set(request.skills):
        return False
    return all(not allowed or (value is not None and value in allowed) for allowed, value in wanted)


def matching_rules(org: Organisation, request: RoutingRequest) -> list[RoutingRule]:
    excluded = set(request.exclude)
    rules = [r for r in org.routing_rules if r.team_id not in excluded and _matches(r, request)]
    return sorted(rules, key=lambda r: (r.priority, r.rule_id))


def team_on_duty(
    org: Organisation, team_id: str, role: str, request: RoutingRequest, calendar: HolidayCalendar | None
) -> list[OrgPerson]:
    """Members of the team holding ``role`` on duty at the request's time (roster order), minus
    people the task was returned by. A member is a person listing the team or a shift of the team."""
    snapshot = org.snapshot()
    excluded = set(request.exclude)
    by_team = on_duty(snapshot, role, request.at, team_id=team_id, calendar=calendar)
    by_membership = [p for p in on_duty(snapshot, role, request.at, calendar=calendar) if team_id in p.team_ids]
    seen: set[str] = set()
    members: list[OrgPerson] = []
    for person in [*by_team, *by_membership]:
        if person.person_id not in seen and person.person_id not in excluded:
            seen.add(person.person_id)
            members.append(person)
    return members


def _skilled(people: list[OrgPerson], skills: set[str]) -> tuple[list[OrgPerson], bool]:
    if not skills:
        return people, True
    skilled = [p for p in people if skills <= set(p.skills)]
    return (skilled, True) if skilled else (people, False)


def _at(request: RoutingRequest, org: Organisation) -> str:
    return request.at.astimezone(ZoneInfo(org.timezone)).strftime("%m-%d %H:%M")


def _after_hours(
    org: Organisation, request: RoutingRequest, calendar: HolidayCalendar | None, fallback: Assignee, why: str
) -> RoutePlan:
    """Nobody of the team can take it now: the control room on duty, else the duty manager, else the team."""
    room = org.control_room()
    when = _at(request, org)
    if room is not None and room.team_id not in request.exclude:
        people = team_on_duty(org, room.team_id, "control_room", request, calendar)
        if people:
            template = Assignee(
                kind="control_room",
                department=room.department,
                team_id=room.team_id,
                rule_id=fallback.rule_id,
                reason=f"{why}，转中控室值班（{when}）/ {why_en(why)}: control room on duty",
            )
            return RoutePlan(template, tuple(people))
    managers = [
        p
        for p in on_duty(org.snapshot(), "duty_manager", request.at, calendar=calendar)
        if p.person_id not in request.exclude
    ]
    if managers:
        template = replace(fallback, kind="person", reason=f"{why}，转值班经理（{when}）/ duty manager on duty")
        return RoutePlan(template, tuple(managers))
    reason = f"{why}，且无人值班，派至班组（{when}）/ nobody on duty: assigned to the team"
    return RoutePlan(fallback, assignee=replace(fallback, reason=reason))


_EN = {
    "班组无人在岗": "nobody of the team on duty",
    "无可用外包单位": "no contractor within contract hours",
    "无匹配班组": "no team for this item",
}


def why_en(why: str) -> str:
    return _EN.get(why, why)


def _contractor(
    org: Organisation, rule: RoutingRule, request: RoutingRequest, calendar: HolidayCalendar | None
) -> Assignee | None:
    team = org.team(rule.team_id)
    for c in sorted(org.contractors, key=lambda c: c.contractor_id):
        serves = not c.estate_ids or org.estate_id in c.estate_ids
        if (
            rule.contractor_trade in c.trades
            and serves
            and c.contractor_id not in request.exclude
            and contractor_available(c, request.at, org.timezone, calendar)
        ):
            return Assignee(
                kind="contractor",
                department=team.department if team else department_for(request.category),
                team_id=rule.team_id,
                contractor_id=c.contractor_id,
                name=c.name,
                rule_id=rule.rule_id,
                reason=f"规则 {rule.rule_id}：外包 {rule.contractor_trade}（合同时段内）/ contractor in contract hours",
            )
    return None


def _default_team(org: Organisation, request: RoutingRequest) -> OrgTeam | None:
    department = department_for(request.category)
    teams = [t for t in org.teams if t.department == department and t.kind == "internal"]
    return next((t for t in teams if t.team_id not in request.exclude), None)


def plan(org: Organisation, request: RoutingRequest, calendar: HolidayCalendar | None = None) -> RoutePlan:
    rules = matching_rules(org, request)
    rule = rules[0] if rules else None
    team = org.team(rule.team_id) if rule else _default_team(org, request)
    if team is None:
        fallback = Assignee(kind="team", department=department_for(request.category), reason="")
        return _after_hours(org, request, calendar, fallback, "无匹配班组")
    rule_id = rule.rule_id if rule else None
    template = Assignee(kind="team", department=team.department, team_id=team.team_id, rule_id=rule_id, reason="")
    if rule is not None and rule.contractor_trade:
        chosen = _contractor(org, rule, request, calendar)
        if chosen is None:
            return _after_hours(org, request, calendar, template, "无可用外包单位")
        return RoutePlan(template, assignee=chosen)
    people = team_on_duty(org, team.team_id, rule.role if rule else "handler", request, calendar)
    if not people:
        return _after_hours(org, request, calendar, template, "班组无人在岗")
    skills = set(request.skills) | set(rule.skills if rule else ())
    pool, skill_ok = _skilled(people, skills)
    note = "" if skill_ok else f"（无人具备 {'/'.join(sorted(skills))} 技能）"
    why = f"规则 {rule_id}" if rule_id else f"默认部门 {team.department}"
    reason = f"{why}：{team.name_zh}在岗{note} / {rule_id or 'default'}: on duty in {team.team_id}"
    return RoutePlan(replace(template, kind="person", reason=reason), tuple(pool))


def pick(route: RoutePlan, open_counts: Mapping[str, int]) -> Assignee:
    """The final assignee: the least loaded candidate (ties: the smallest person id)."""
    if route.assignee is not None:
        return route.assignee
    person = min(route.candidates, key=lambda p: (open_counts.get(p.person_id, 0), p.person_id))
    load = open_counts.get(person.person_id, 0)
    return replace(
        route.template,
        person_id=person.person_id,
        name=person.name,
        reason=f"{route.template.reason}；{person.name} 在办 {load} 件 / {load} open",
    )


def manual(
    org: Organisation,
    *,
    reason: str,
    person_id: str | None = None,
    contractor_id: str | None = None,
    team_id: str | None = None,
) -> Assignee:
    """A supervisor's manual (re)assignment, checked against the organisation (always possible,
    on duty or not): to a person (their team unless ``team_id`` names another of theirs), a
    contractor, or a team without a named person."""
    note = f"人工指派：{reason} / manual: {reason}"
    if contractor_id is not None:
        contractor = next((c for c in org.contractors if c.contractor_id == contractor_id), None)
        if contractor is None:
            raise ItemNotFound("外包单位", "contractor", contractor_id)
        team = org.team(team_id)
        department = team.department if team else "engineering"
        return Assignee("contractor", department, team_id, None, contractor_id, contractor.name, None, note)
    if person_id is not None:
        person = org.person(person_id)
        if person is None or not person.active:
            raise ItemNotFound("人员", "person", person_id)
        team = org.team(team_id if team_id in person.team_ids else next(iter(person.team_ids), None))
        kind: AssigneeKind = "control_room" if team is not None and team.kind == "control_room" else "person"
        department = team.department if team else "customer_service"
        team_of = team.team_id if team else None
        return Assignee(kind, department, team_of, person_id, None, person.name, None, note)
    team = org.team(team_id)
    if team is None:
        raise ItemNotFound("班组", "team", str(team_id))
    return Assignee("team", team.department, team.team_id, None, None, team.name_zh, None, note)
