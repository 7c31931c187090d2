"""Who is on duty: day shifts on working days, night shifts across midnight, statutory holidays
and 调休 make-up working days, leave and extra shifts."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from pydantic import ValidationError

from pm_common.org import DutyOverride, DutyRule, OrgPerson, OrgSnapshot, on_duty

SH = "Asia/Shanghai"


def _at(y: int, m: int, d: int, hh: int, mm: int = 0) -> datetime:
    from zoneinfo import ZoneInfo

    return datetime(y, m, d, hh, mm, tzinfo=ZoneInfo(SH))


def _snapshot(overrides: list[DutyOverride] | None = None) -> OrgSnapshot:
    people = [
        OrgPerson(person_id="p-day", name="白班主管", roles=["supervisor"]),
        OrgPerson(person_id="p-night", name="夜班主管", roles=["supervisor"]),
        OrgPerson(person_id="p-rest", name="节假日值班", roles=["supervisor"]),
        OrgPerson(person_id="p-gone", name="已离职", roles=["supervisor"], active=False),
    ]
    rules = [
        DutyRule(person_id="p-day", role="supervisor", days="working", start="08:30", end="17:30"),
        DutyRule(person_id="p-night", role="supervisor", days="all", start="17:30", end="08:30"),
        DutyRule(person_id="p-rest", role="supervisor", days="rest", start="08:30", end="17:30"),
        DutyRule(person_id="p-gone", role="supervisor", days="all", start="00:00", end="00:00"),
    ]
    return OrgSnapshot(
        estate_id="JADE",
        version=1,
        people=people,
        duty_rules=rules,
        overrides=overrides or [],
        updated_at=datetime.now(UTC),
    )


def _ids(people: list[OrgPerson]) -> list[str]:
    return [p.person_id for p in people]


def test_day_shift_on_a_working_day() -> None:
    assert _ids(on_duty(_snapshot(), "supervisor", _at(2026, 12, 1, 10))) == ["p-day"]  # a Tuesday


def test_night_shift_covers_3am_from_the_shift_started_the_evening_before() -> None:
    assert _ids(on_duty(_snapshot(), "supervisor", _at(2026, 12, 2, 3))) == ["p-night"]
    assert _ids(on_duty(_snapshot(), "supervisor", _at(2026, 12, 1, 17, 30))) == ["p-night"]


def test_statutory_holiday_goes_to_the_rest_day_rota() -> None:
    assert _ids(on_duty(_snapshot(), "supervisor", _at(2026, 10, 2, 10))) == ["p-rest"]  # 国庆, a Friday


def test_make_up_working_day_on_a_weekend_uses_the_working_day_rota() -> None:
    from pm_common.calendar import default_calendar

    cal = default_calendar()
    candidates = (date(2026, 1, 4), date(2026, 2, 14), date(2026, 9, 20), date(2026, 10, 10))
    weekend_workdays = [d for d in candidates if d.isoweekday() >= 6 and cal.is_working_day(d)]
    assert weekend_workdays, "the 2026 calendar has 调休 working weekends"
    d = weekend_workdays[0]
    assert _ids(on_duty(_snapshot(), "supervisor", _at(d.year, d.month, d.day, 10))) == ["p-day"]


def test_leave_removes_the_shift_and_an_extra_shift_adds_one() -> None:
    overrides = [
        DutyOverride(person_id="p-day", role="supervisor", day=date(2026, 12, 1), on_duty=False),
        DutyOverride(person_id="p-rest", role="supervisor", day=date(2026, 12, 1), start="08:00", end="18:00"),
    ]
    assert _ids(on_duty(_snapshot(overrides), "supervisor", _at(2026, 12, 1, 10))) == ["p-rest"]
    assert _ids(on_duty(_snapshot(overrides), "supervisor", _at(2026, 12, 2, 10))) == ["p-day"]


def test_nobody_for_an_unrostered_role_and_bad_times_are_refused() -> None:
    assert on_duty(_snapshot(), "project_manager", _at(2026, 12, 1, 10)) == []
    with pytest.raises(ValidationError):
        DutyRule(person_id="x", role="handler", start="25:00")
