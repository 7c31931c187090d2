"""法定工作日日历与时限计算 / Statutory working-day calendar and SLA deadline arithmetic.

Pure: reads only its packaged ``data/<year>.json`` files (and an optional extra directory).

    >>> cal = HolidayCalendar.load()            # or HolidayCalendar.load(Path("/etc/pm/holidays"))
    >>> add_working_days(received_at, 3, "Asia/Shanghai", calendar=cal).due
"""

from pm_common.calendar.deadlines import (
    DEFAULT_TZ,
    Deadline,
    add_hours,
    add_working_days,
    default_calendar,
    local_day,
)
from pm_common.calendar.loader import HolidayDataError, YearData
from pm_common.calendar.working_days import HolidayCalendar, missing_year_message

__all__ = [
    "DEFAULT_TZ",
    "Deadline",
    "HolidayCalendar",
    "HolidayDataError",
    "YearData",
    "add_hours",
    "add_working_days",
    "default_calendar",
    "local_day",
    "missing_year_message",
]
