"""时限计算 / SLA deadline arithmetic.

Two clocks exist (DOMAIN §4): working days on the statutory calendar, counted in the estate's
local time zone, and around-the-clock hours for urgent on-site work.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pm_common.calendar.working_days import HolidayCalendar, missing_year_message

DEFAULT_TZ = "Asia/Shanghai"


@dataclass(frozen=True, slots=True)
class Deadline:
    """A due instant (UTC aware) plus any data warnings met while computing it."""

    due: datetime
    warnings: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.due.tzinfo is None or self.due.utcoffset() != timedelta(0):
            raise ValueError("Deadline.due 必须是 UTC 时间 / Deadline.due must be a UTC-aware datetime")


@lru_cache(maxsize=1)
def default_calendar() -> HolidayCalendar:
    """The packaged calendar, loaded once on first use (never at import time)."""
    return HolidayCalendar.load()


def add_working_days(
    start: datetime,
    n: int,
    tz: str = DEFAULT_TZ,
    *,
    calendar: HolidayCalendar | None = None,
) -> Deadline:
    """Deadline ``n`` working days after ``start``, counted in the local time zone ``tz``.

    Semantics, exactly:

    1. ``start`` (must be timezone-aware) is converted to local time in ``tz``; its local date is
       the *start day*.
    2. If the start day is not a working day, counting starts at 00:00 of the next working day,
       which becomes the start day (as if the item arrived then).
    3. The deadline is the end of the ``n``-th working day after the start day; ``n == 0`` means
       the end of the start day itself. "End of day D" is expressed as **00:00 local time of the
       calendar day after D** (an exclusive bound: the item is late from that instant on).

    Examples (Asia/Shanghai): Monday 10:00, n=1 → Wednesday 00:00 local (= end of Tuesday);
    Sunday, n=1 → counting starts Monday → end of Tuesday; Friday, n=1 with no 调休 → end of Monday.

    Returns ``Deadline(due=<UTC datetime>, warnings=...)``; warnings name every year between the
    start day and the due day that has no holiday data (those days were counted as Mon–Fri).
    Raises ``ValueError`` for a naive ``start``, a negative ``n`` or an unknown ``tz``.
    """
    _require_aware(start)
    if isinstance(n, bool) or not isinstance(n, int):
        raise TypeError(f"n 必须是整数 / n must be an int, got {type(n).__name__}")
    if n < 0:
        raise ValueError(f"工作日数不能为负 / n must be >= 0, got {n}")
    zone = _zone(tz)
    cal = calendar if calendar is not None else default_calendar()

    first = start.astimezone(zone).date()
    day = first
    while not cal.is_working_day(day):
        day += timedelta(days=1)
    remaining = n
    while remaining:
        day += timedelta(days=1)
        if cal.is_working_day(day):
            remaining -= 1

    due_local = datetime.combine(day + timedelta(days=1), time.min, tzinfo=zone)
    warnings = tuple(missing_year_message(y) for y in cal.missing_years_for(first, day))
    return Deadline(due=due_local.astimezone(UTC), warnings=warnings)


def add_hours(start: datetime, hours: float) -> Deadline:
    """Deadline ``hours`` after ``start`` around the clock (urgent on-site work); no calendar.

    Raises ``ValueError`` for a naive ``start`` or a negative / non-finite ``hours``.
    """
    _require_aware(start)
    if not math.isfinite(hours) or hours < 0:
        raise ValueError(f"小时数必须是非负有限数 / hours must be finite and >= 0, got {hours}")
    return Deadline(due=(start + timedelta(hours=hours)).astimezone(UTC))


def local_day(instant: datetime, tz: str = DEFAULT_TZ) -> date:
    """The local calendar date of an aware ``instant`` in ``tz``."""
    _require_aware(instant)
    return instant.astimezone(_zone(tz)).date()


def _require_aware(value: datetime) -> None:
    if not isinstance(value, datetime):
        raise TypeError(f"需要 datetime / expected a datetime, got {type(value).__name__}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"需要带时区的时间 / naive datetime not allowed: {value.isoformat()}")


def _zone(tz: str) -> ZoneInfo:
    try:
        return ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"未知时区 / unknown time zone: {tz!r}") from exc
