"""Working time on the statutory calendar: the hours of working days (调休 included), counted in the
estate's time zone. A working day counts whole (00:00–24:00 local), the same days
``pm_common.calendar.add_working_days`` counts, so a deadline at the end of a working day and a pause
over a weekend or a statutory holiday agree with each other: the weekend costs nothing.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from pm_common.calendar import HolidayCalendar

DAY = timedelta(days=1)
_MAX_DAYS = 3 * 366  # a guard: nothing in the SLA spans more than a few years of calendar


@lru_cache(maxsize=64)
def _zone(tz: str) -> ZoneInfo:
    return ZoneInfo(tz)


def _midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time.min, tzinfo=zone)


def working_between(start: datetime, end: datetime, tz: str, calendar: HolidayCalendar) -> timedelta:
    """How much working time lies between ``start`` and ``end`` (zero when ``end <= start``)."""
    if end <= start:
        return timedelta(0)
    zone = _zone(tz)
    total = timedelta(0)
    day = start.astimezone(zone).date()
    last = end.astimezone(zone).date()
    for _ in range(_MAX_DAYS):
        if day > last:
            break
        if calendar.is_working_day(day):
            lo = max(start, _midnight(day, zone))
            hi = min(end, _midnight(day + DAY, zone))
            if hi > lo:
                total += hi.astimezone(UTC) - lo.astimezone(UTC)
        day += DAY
    return total


def add_working(start: datetime, amount: timedelta, tz: str, calendar: HolidayCalendar) -> datetime:
    """The instant ``amount`` of working time after ``start`` (UTC). Time on rest days does not count;
    an amount ending exactly at the end of a working day ends there (not after the following weekend)."""
    if amount <= timedelta(0):
        return start.astimezone(UTC)
    zone = _zone(tz)
    left = amount
    cursor = start.astimezone(zone)
    for _ in range(_MAX_DAYS):
        day = cursor.date()
        end_of_day = _midnight(day + DAY, zone)
        if calendar.is_working_day(day):
            room = end_of_day.astimezone(UTC) - cursor.astimezone(UTC)
            if left <= room:
                return cursor.astimezone(UTC) + left
            left -= room
        cursor = end_of_day
    raise ValueError("工作时间超出日历范围 / working time beyond the calendar guard")


def sub_working(end: datetime, amount: timedelta, tz: str, calendar: HolidayCalendar) -> datetime:
    """The instant ``amount`` of working time before ``end`` (UTC)."""
    if amount <= timedelta(0):
        return end.astimezone(UTC)
    zone = _zone(tz)
    left = amount
    cursor = end.astimezone(zone)
    for _ in range(_MAX_DAYS):
        day = (cursor - timedelta(microseconds=1)).date()  # the day the instant just before lies in
        start_of_day = _midnight(day, zone)
        if calendar.is_working_day(day):
            room = cursor.astimezone(UTC) - start_of_day.astimezone(UTC)
            if left <= room:
                return cursor.astimezone(UTC) - left
            left -= room
        cursor = start_of_day
    raise ValueError("工作时间超出日历范围 / working time beyond the calendar guard")


def add_clock(start: datetime, amount: timedelta) -> datetime:
    return (start + amount).astimezone(UTC)
