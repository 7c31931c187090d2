"""Statutory working-day calendar and SLA deadlines (pm_common.calendar)."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pm_common.calendar import (
    Deadline,
    HolidayCalendar,
    HolidayDataError,
    add_hours,
    add_working_days,
    default_calendar,
)

pytestmark = pytest.mark.unit

SHANGHAI = ZoneInfo("Asia/Shanghai")
CAL = default_calendar()


def cst(y: int, m: int, d: int, hh: int = 0, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=SHANGHAI)


def end_of_local_day(d: date) -> datetime:
    """Chosen convention: the end of day D is 00:00 Asia/Shanghai of D+1, expressed in UTC."""
    return datetime(d.year, d.month, d.day, tzinfo=SHANGHAI).astimezone(UTC) + timedelta(days=1)


# ---------------------------------------------------------------- data and is_working_day


def test_packaged_years_cover_2024_to_2026() -> None:
    assert {2024, 2025, 2026} <= set(CAL.years)
    assert CAL.has_data(2026)
    assert not CAL.has_data(2031)


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2026, 2, 13), True),  # Friday before Spring Festival
        (date(2026, 2, 14), True),  # Saturday, 调休 make-up working day
        (date(2026, 2, 16), False),  # Monday inside Spring Festival
        (date(2026, 2, 23), False),  # last day of Spring Festival (Monday)
        (date(2026, 2, 24), True),  # first working day after
        (date(2026, 2, 28), True),  # Saturday, 调休 make-up
        (date(2026, 3, 7), False),  # ordinary Saturday
        (date(2026, 10, 7), False),  # National Day (Wednesday)
        (date(2026, 10, 10), True),  # Saturday, National Day make-up
        (date(2025, 1, 26), True),  # Sunday, 2025 Spring Festival make-up
    ],
)
def test_is_working_day_known_dates(day: date, working: bool) -> None:
    assert CAL.is_working_day(day) is working


def test_is_working_day_rejects_datetime() -> None:
    with pytest.raises(TypeError):
        CAL.is_working_day(datetime(2026, 3, 2, tzinfo=UTC))


def test_packaged_data_matches_chinese_calendar() -> None:
    """Guards the generator: every day of every packaged year agrees with the source library."""
    import chinese_calendar  # a dependency of pm-common (data generator), never skipped

    for year in CAL.years:
        day = date(year, 1, 1)
        while day.year == year:
            assert CAL.is_working_day(day) == chinese_calendar.is_workday(day), day
            day += timedelta(days=1)


def test_runtime_does_not_import_chinese_calendar() -> None:
    code = (
        "import sys; from datetime import date; from pm_common.calendar import HolidayCalendar;"
        "HolidayCalendar.load().is_working_day(date(2026, 2, 14));"
        "assert 'chinese_calendar' not in sys.modules, 'chinese_calendar imported'"
    )
    src = str(Path(__file__).resolve().parents[1] / "src")
    result = subprocess.run(
        [sys.executable, "-c", code], env={"PYTHONPATH": src}, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr


# ---------------------------------------------------------------- fixed deadline cases


@pytest.mark.parametrize(
    ("start", "n", "last_day"),
    [
        # Spring Festival 2026: holiday 02-15..02-23, make-up Saturdays 02-14 and 02-28.
        (cst(2026, 2, 13, 10), 0, date(2026, 2, 13)),
        (cst(2026, 2, 13, 10), 1, date(2026, 2, 14)),  # the 调休 Saturday counts
        (cst(2026, 2, 13, 10), 2, date(2026, 2, 24)),  # jumps the whole festival
        (cst(2026, 2, 13, 10), 3, date(2026, 2, 25)),
        (cst(2026, 2, 12, 9), 5, date(2026, 2, 26)),  # 13, 14(Sat), 24, 25, 26
        (cst(2026, 2, 18, 12), 0, date(2026, 2, 24)),  # received mid-holiday
        (cst(2026, 2, 18, 12), 1, date(2026, 2, 25)),
        (cst(2026, 2, 27, 16), 1, date(2026, 2, 28)),  # second make-up Saturday counts
        # National Day golden week 2026: holiday 10-01..10-07, make-up Sun 09-20 and Sat 10-10.
        (cst(2026, 9, 30, 17), 0, date(2026, 9, 30)),
        (cst(2026, 9, 30, 17), 1, date(2026, 10, 8)),
        (cst(2026, 9, 30, 17), 3, date(2026, 10, 10)),  # 8, 9, 10(Sat make-up)
        (cst(2026, 10, 3, 8), 2, date(2026, 10, 10)),  # inside golden week: day 0 = 10-08, then 9, 10
        (cst(2026, 9, 19, 11), 0, date(2026, 9, 20)),  # Saturday → make-up Sunday is day 0
        # Ordinary Sunday: counting starts Monday 03-09.
        (cst(2026, 3, 8, 15), 0, date(2026, 3, 9)),
        (cst(2026, 3, 8, 15), 1, date(2026, 3, 10)),
        (cst(2026, 3, 8, 15), 5, date(2026, 3, 16)),
        # Plain week, no holiday: Monday n=1 → end of Tuesday.
        (cst(2026, 3, 2, 10), 1, date(2026, 3, 3)),
        (cst(2026, 3, 6, 23, 59), 1, date(2026, 3, 9)),  # Friday → Monday
    ],
)
def test_add_working_days_fixed_cases(start: datetime, n: int, last_day: date) -> None:
    result = add_working_days(start, n)
    assert result == Deadline(due=end_of_local_day(last_day), warnings=())


def test_late_night_utc_is_next_day_in_shanghai() -> None:
    # Monday 2026-03-02 17:30 UTC is Tuesday 01:30 in Shanghai: the start day is Tuesday.
    start = datetime(2026, 3, 2, 17, 30, tzinfo=UTC)
    result = add_working_days(start, 1)
    assert result.due == datetime(2026, 3, 4, 16, 0, tzinfo=UTC)  # Thu 00:00 CST = end of Wed
    assert result.due.utcoffset() == timedelta(0)

    # Friday 18:00 UTC is Saturday 02:00 CST: not a working day, counting starts Monday.
    friday_night = datetime(2026, 3, 6, 18, 0, tzinfo=UTC)
    assert add_working_days(friday_night, 1).due == end_of_local_day(date(2026, 3, 10))
    # ...while a UTC-clock count would have given end of Monday.
    assert add_working_days(friday_night, 1, "UTC").due == datetime(2026, 3, 10, tzinfo=UTC)


def test_other_input_offsets_are_normalised() -> None:
    new_york = datetime(2026, 3, 2, 12, 30, tzinfo=ZoneInfo("America/New_York"))  # = Tue 01:30 CST
    fixed = datetime(2026, 3, 3, 1, 30, tzinfo=timezone(timedelta(hours=8)))
    assert add_working_days(new_york, 1) == add_working_days(fixed, 1)


def test_add_working_days_rejects_bad_input() -> None:
    with pytest.raises(ValueError, match="naive"):
        add_working_days(datetime(2026, 3, 2, 10), 1)
    with pytest.raises(ValueError, match="n must be >= 0"):
        add_working_days(cst(2026, 3, 2), -1)
    with pytest.raises(ValueError, match="unknown time zone"):
        add_working_days(cst(2026, 3, 2), 1, "Mars/Olympus_Mons")


def test_add_hours_is_around_the_clock() -> None:
    start = cst(2026, 2, 16, 23, 0)  # Spring Festival night: the calendar is ignored
    result = add_hours(start, 2)
    assert result == Deadline(due=datetime(2026, 2, 16, 17, 0, tzinfo=UTC))
    assert add_hours(start, 0.5).due == datetime(2026, 2, 16, 15, 30, tzinfo=UTC)
    with pytest.raises(ValueError, match="naive"):
        add_hours(datetime(2026, 2, 16, 23), 2)
    with pytest.raises(ValueError):
        add_hours(start, -1)
    with pytest.raises(ValueError):
        add_hours(start, float("nan"))


# ---------------------------------------------------------------- property: against a day walker


def brute_force_due(cal: HolidayCalendar, start: datetime, n: int) -> datetime:
    """Independent reference: walk the local calendar one day at a time."""
    local = start.astimezone(SHANGHAI)
    day = date(local.year, local.month, local.day)
    while not cal.is_working_day(day):
        day = day + timedelta(days=1)
    counted = 0
    while counted < n:
        day = day + timedelta(days=1)
        counted += 1 if cal.is_working_day(day) else 0
    return end_of_local_day(day)


@settings(max_examples=400, deadline=None)
@given(
    start=st.datetimes(
        min_value=datetime(2024, 1, 1),
        max_value=datetime(max(CAL.years), 12, 31, 23, 59, 59),
        timezones=st.sampled_from([UTC, SHANGHAI, timezone(timedelta(hours=-5))]),
    ),
    n=st.integers(min_value=0, max_value=30),
)
def test_add_working_days_matches_day_walker(start: datetime, n: int) -> None:
    result = add_working_days(start, n, calendar=CAL)
    assert result.due == brute_force_due(CAL, start, n)
    assert result.due.tzinfo is not None and result.due.utcoffset() == timedelta(0)
    assert result.due > start
    local_last = (result.due - timedelta(microseconds=1)).astimezone(SHANGHAI).date()
    assert CAL.is_working_day(local_last)
    touched_missing = not CAL.has_data(local_last.year)
    assert bool(result.warnings) == touched_missing


# ---------------------------------------------------------------- missing years and extra_dir


def test_missing_year_falls_back_to_mon_fri_and_warns_once(caplog: pytest.LogCaptureFixture) -> None:
    cal = HolidayCalendar.load()
    caplog.set_level(logging.WARNING, logger="pm_common.calendar.working_days")
    start = datetime(2031, 1, 1, 10, tzinfo=SHANGHAI)  # Wednesday; New Year's Day, but no data
    first = add_working_days(start, 1, calendar=cal)
    second = add_working_days(start, 2, calendar=cal)

    assert first.due == end_of_local_day(date(2031, 1, 2))
    assert second.due == end_of_local_day(date(2031, 1, 3))
    expected = "缺少 2031 年节假日数据，按周一至周五计算 / no holiday data for 2031, assuming Mon-Fri"
    assert first.warnings == (expected,)
    assert second.warnings == (expected,)
    logged = [r.getMessage() for r in caplog.records if "2031" in r.getMessage()]
    assert logged == [expected]
    assert cal.missing_years_for(date(2030, 12, 1), date(2031, 2, 1)) == (2030, 2031)


def test_deadline_running_past_the_data_warns() -> None:
    last = max(CAL.years)
    result = add_working_days(cst(last, 12, 28, 9), 10)
    assert any(str(last + 1) in w for w in result.warnings)
    assert add_working_days(cst(last, 12, 1, 9), 1).warnings == ()


def write_year(directory: Path, year: int, holidays: dict[str, str], workdays: dict[str, str]) -> None:
    payload = {"year": year, "source": "test", "holidays": holidays, "workdays": workdays}
    (directory / f"{year}.json").write_text(json.dumps(payload, ensure_ascii=False), encoding="utf-8")


def test_extra_dir_adds_a_future_year(tmp_path: Path) -> None:
    write_year(
        tmp_path,
        2031,
        holidays={"2031-03-05": "自定义假日 / custom holiday"},  # a Wednesday
        workdays={"2031-03-08": "自定义调休 / custom make-up"},  # a Saturday
    )
    cal = HolidayCalendar.load(extra_dir=tmp_path)
    assert cal.has_data(2031) and 2031 in cal.years
    assert cal.has_data(2026)  # packaged years are still there
    assert not cal.is_working_day(date(2031, 3, 5))
    assert cal.is_working_day(date(2031, 3, 8))

    result = add_working_days(cst(2031, 3, 4, 10), 2, calendar=cal)  # Tue → skip Wed → Thu, Fri
    assert result == Deadline(due=end_of_local_day(date(2031, 3, 7)), warnings=())
    result = add_working_days(cst(2031, 3, 6, 10), 2, calendar=cal)  # Thu → Fri, Sat (make-up)
    assert result.due == end_of_local_day(date(2031, 3, 8))


def test_extra_dir_file_replaces_packaged_year(tmp_path: Path) -> None:
    write_year(tmp_path, 2026, holidays={"2026-03-04": "override"}, workdays={})
    (tmp_path / "README.txt").write_text("ignored", encoding="utf-8")
    cal = HolidayCalendar.load(extra_dir=tmp_path)
    assert not cal.is_working_day(date(2026, 3, 4))
    assert cal.is_working_day(date(2026, 2, 16))  # the whole packaged year was replaced
    assert default_calendar().is_working_day(date(2026, 3, 4))  # other calendars unaffected


@pytest.mark.parametrize(
    ("name", "payload", "message"),
    [
        ("2031.json", {"year": 2030, "holidays": {}, "workdays": {}}, "file name says 2031"),
        ("2031.json", {"year": 2031, "holidays": {"2030-12-31": "x"}}, "outside year 2031"),
        ("2031.json", {"year": 2031, "holidays": {"2031-13-01": "x"}}, "bad ISO date"),
        (
            "2031.json",
            {"year": 2031, "holidays": {"2031-01-04": "x"}, "workdays": {"2031-01-04": "y"}},
            "both holiday and workday",
        ),
    ],
)
def test_malformed_extra_file_is_rejected(tmp_path: Path, name: str, payload: object, message: str) -> None:
    (tmp_path / name).write_text(json.dumps(payload), encoding="utf-8")
    with pytest.raises(HolidayDataError, match=message):
        HolidayCalendar.load(extra_dir=tmp_path)


def test_missing_extra_dir_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="not found"):
        HolidayCalendar.load(extra_dir=tmp_path / "nope")
