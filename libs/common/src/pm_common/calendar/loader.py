"""读取节假日数据文件 / Read and validate the yearly holiday data files.

File format (``<year>.json``)::

    {"year": 2026, "source": "...",
     "holidays": {"2026-01-01": "元旦 / New Year's Day", ...},
     "workdays": {"2026-02-14": "春节调休上班 / Spring Festival make-up", ...}}

``holidays`` are days off (weekends inside a holiday period may be listed too); ``workdays`` are
make-up working days (调休), usually weekends. Every date must fall inside ``year``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from types import MappingProxyType
from typing import Any

_FILE_NAME = re.compile(r"^(\d{4})\.json$")
_PACKAGED_DATA = "pm_common.calendar.data"


class HolidayDataError(ValueError):
    """节假日数据文件格式错误 / A holiday data file is malformed."""


@dataclass(frozen=True, slots=True)
class YearData:
    """One year of statutory holidays and make-up working days."""

    year: int
    source: str
    holidays: Mapping[date, str]
    workdays: Mapping[date, str]


def parse_year(raw: Any, *, origin: str, expected_year: int | None = None) -> YearData:
    """Validate the decoded JSON of one year's file; ``origin`` names the file in error messages."""
    if not isinstance(raw, dict):
        raise HolidayDataError(f"{origin}: 顶层必须是对象 / top level must be a JSON object")
    year = raw.get("year")
    if not isinstance(year, int) or isinstance(year, bool):
        raise HolidayDataError(f"{origin}: 'year' 必须是整数 / 'year' must be an integer")
    if expected_year is not None and year != expected_year:
        raise HolidayDataError(f"{origin}: 文件名年份与内容不符 / file name says {expected_year} but 'year' is {year}")
    source = raw.get("source", "")
    if not isinstance(source, str):
        raise HolidayDataError(f"{origin}: 'source' 必须是字符串 / 'source' must be a string")
    holidays = _parse_days(raw.get("holidays", {}), year, f"{origin} holidays")
    workdays = _parse_days(raw.get("workdays", {}), year, f"{origin} workdays")
    both = sorted(set(holidays) & set(workdays))
    if both:
        listed = ", ".join(d.isoformat() for d in both)
        raise HolidayDataError(
            f"{origin}: 日期同时是假日和调休上班日 / dates listed as both holiday and workday: {listed}"
        )
    return YearData(year, source, MappingProxyType(holidays), MappingProxyType(workdays))


def _parse_days(raw: Any, year: int, origin: str) -> dict[date, str]:
    if not isinstance(raw, dict):
        raise HolidayDataError(f"{origin}: 必须是 日期→名称 对象 / must be an object of date -> name")
    days: dict[date, str] = {}
    for key, name in raw.items():
        try:
            day = date.fromisoformat(key)
        except (TypeError, ValueError):
            raise HolidayDataError(f"{origin}: 日期格式错误 / bad ISO date {key!r}") from None
        if day.year != year:
            raise HolidayDataError(f"{origin}: {key} 不在 {year} 年内 / {key} is outside year {year}")
        if not isinstance(name, str):
            raise HolidayDataError(f"{origin}: {key} 的名称必须是字符串 / name of {key} must be a string")
        days[day] = name
    return days


def _read_files(files: Iterable[Traversable], origin_prefix: str) -> dict[int, YearData]:
    years: dict[int, YearData] = {}
    for item in files:
        match = _FILE_NAME.match(item.name)
        if match is None or not item.is_file():
            continue
        origin = f"{origin_prefix}{item.name}"
        try:
            raw = json.loads(item.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise HolidayDataError(f"{origin}: JSON 无法解析 / invalid JSON: {exc}") from exc
        data = parse_year(raw, origin=origin, expected_year=int(match.group(1)))
        years[data.year] = data
    return years


def load_packaged() -> dict[int, YearData]:
    """The years shipped inside the package (``pm_common/calendar/data/*.json``)."""
    root = resources.files(_PACKAGED_DATA)
    return _read_files(root.iterdir(), "pm_common/calendar/data/")


def load_directory(directory: Path) -> dict[int, YearData]:
    """Every ``<year>.json`` directly inside ``directory``; other files are ignored."""
    if not directory.is_dir():
        raise HolidayDataError(f"节假日数据目录不存在 / holiday data directory not found: {directory}")
    return _read_files(sorted(directory.iterdir()), f"{directory}/")
