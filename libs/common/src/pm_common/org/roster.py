"""Who is on duty: pure functions over an :class:`OrgSnapshot` and the statutory calendar."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from pm_common.calendar import HolidayCalendar, default_calendar
from pm_common.org.model import Contractor, DayKind, DutyOverride, DutyRule, OrgPerson, OrgSnapshot


def _day_matches(days: DayKind | list[int], day: date, calendar: HolidayCalendar) -> bool:
    if isinstance(days, list):
        return day.isoweekday() in days
    if days == "all":
        return True
    working = calendar.is_working_day(day)
    return working if days == "working" else not working


def _window(day: date, start: str, end: str, tz: ZoneInfo) -> tuple[datetime, datetime]:
    begin = datetime.combine(day, time.fromisoformat(start), tz)
    finish = datetime.combine(day, time.fromisoformat(end), tz)
    if finish <= begin:  # a night shift or a whole day: ends on the next day
        finish = datetime.combine(day + timedelta(days=1), time.fromisoformat(end), tz)
    return begin, finish


def rule_covers(
    days: DayKind | list[int], start: str, end: str, at: datetime, tz: str, calendar: HolidayCalendar
) -> bool:
    """Whether a shift pattern covers instant ``at``: a shift belongs to the local date it starts on."""
    zone = ZoneInfo(tz)
    local = at.astimezone(zone)
    for day in (local.date(), local.date() - timedelta(days=1)):
        if _day_matches(days, day, calendar):
            begin, finish = _window(day, start, end, zone)
            if begin <= local < finish:
                return True
    return False


def _on_leave(overrides: list[DutyOverride], rule: DutyRule, at: datetime, zone: ZoneInfo) -> bool:
    local = at.astimezone(zone)
    for day in (local.date(), local.date() - timedelta(days=1)):
        begin, finish = _window(day, rule.start, rule.end, zone)
        if begin <= local < finish and any(
            o.person_id == rule.person_id and o.day == day and not o.on_duty for o in overrides
        ):
            return True
    return False


def on_duty(
    snapshot: OrgSnapshot,
    role: str,
    at: datetime,
    *,
    team_id: str | None = None,
    calendar: HolidayCalendar | None = None,
) -> list[OrgPerson]:
    """Active people holding ``role`` on duty at ``at`` (optionally in one team), in roster order:
    rule-based shifts not cancelled by leave, plus extra shifts from overrides. No duplicates."""
    cal = calendar or default_calendar()
    zone = ZoneInfo(snapshot.timezone)
    ids: list[str] = []
    for rule in snapshot.duty_rules:
        if rule.role != role or (team_id is not None and rule.team_id != team_id):
            continue
        if rule_covers(rule.days, rule.start, rule.end, at, snapshot.timezone, cal) and not _on_leave(
            snapshot.overrides, rule, at, zone
        ):
            ids.append(rule.person_id)
    local = at.astimezone(zone)
    for extra in snapshot.overrides:
        if not extra.on_duty or extra.role != role or (team_id is not None and extra.team_id != team_id):
            continue
        begin, finish = _window(extra.day, extra.start, extra.end, zone)
        if begin <= local < finish:
            ids.append(extra.person_id)
    people = {p.person_id: p for p in snapshot.people if p.active}
    seen: set[str] = set()
    result: list[OrgPerson] = []
    for person_id in ids:
        if person_id in people and person_id not in seen:
            seen.add(person_id)
            result.append(people[person_id])
    return result


def contractor_available(
    contractor: Contractor, at: datetime, tz: str, calendar: HolidayCalendar | None = None
) -> bool:
    cal = calendar or default_calendar()
    return rule_covers(contractor.contract_days, contractor.contract_start, contractor.contract_end, at, tz, cal)
