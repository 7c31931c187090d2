"""法定工作日日历 / The mainland-China statutory working-day calendar.

A day is a working day when it is Monday–Friday and not a statutory holiday, or when it is a
make-up working day (调休上班, usually a weekend). Data comes only from the packaged
``data/<year>.json`` files plus an optional caller-supplied directory; a year without data falls
back to plain Monday–Friday with one logged warning per year.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from datetime import date, datetime
from pathlib import Path
from types import MappingProxyType

from pm_common.calendar.loader import YearData, load_directory, load_packaged

logger = logging.getLogger(__name__)


def missing_year_message(year: int) -> str:
    """The warning text used for a year without holiday data."""
    return f"缺少 {year} 年节假日数据，按周一至周五计算 / no holiday data for {year}, assuming Mon-Fri"


class HolidayCalendar:
    """Statutory holidays and make-up working days by year. Immutable after construction."""

    def __init__(self, years: Mapping[int, YearData]) -> None:
        for year, data in years.items():
            if data.year != year:
                raise ValueError(f"年份不一致 / key {year} holds data for {data.year}")
        self._years: Mapping[int, YearData] = MappingProxyType(dict(years))
        self._warned: set[int] = set()
        self._lock = threading.Lock()

    @classmethod
    def load(cls, extra_dir: Path | None = None) -> HolidayCalendar:
        """Load the packaged years, then ``extra_dir/<year>.json`` files if given.

        A file in ``extra_dir`` replaces the packaged data for its whole year (so a corrected or
        newly published State Council notice can be dropped in without a release). Raises
        ``ValueError`` (``HolidayDataError``) for a missing directory or a malformed file.
        """
        years = load_packaged()
        if extra_dir is not None:
            years.update(load_directory(Path(extra_dir)))
        return cls(years)

    @property
    def years(self) -> tuple[int, ...]:
        """The years that have holiday data, ascending."""
        return tuple(sorted(self._years))

    def has_data(self, year: int) -> bool:
        """Whether ``year`` has holiday data (otherwise Mon–Fri is assumed)."""
        return year in self._years

    def is_working_day(self, d: date) -> bool:
        """Whether ``d`` is a working day: a weekday that is not a holiday, or a make-up workday.

        For a year without data this is plain Mon–Fri, and the first such lookup per year logs a
        warning.
        """
        if isinstance(d, datetime):
            raise TypeError("需要 date 而不是 datetime / pass a date, not a datetime (convert to local first)")
        data = self._years.get(d.year)
        if data is None:
            self._warn_missing(d.year)
            return d.weekday() < 5
        if d in data.workdays:
            return True
        if d in data.holidays:
            return False
        return d.weekday() < 5

    def holiday_name(self, d: date) -> str | None:
        """The holiday or make-up label of ``d`` from the data, or ``None`` for an ordinary day."""
        data = self._years.get(d.year)
        if data is None:
            return None
        return data.workdays.get(d) or data.holidays.get(d)

    def missing_years_for(self, start: date, end: date) -> tuple[int, ...]:
        """Years between ``start`` and ``end`` (inclusive, any order) that have no data."""
        low, high = sorted((start.year, end.year))
        return tuple(y for y in range(low, high + 1) if y not in self._years)

    def _warn_missing(self, year: int) -> None:
        with self._lock:
            if year in self._warned:
                return
            self._warned.add(year)
        logger.warning("缺少 %d 年节假日数据，按周一至周五计算 / no holiday data for %d, assuming Mon-Fri", year, year)
