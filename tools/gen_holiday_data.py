"""生成法定节假日数据文件 / Generate the statutory holiday data files.

Writes one ``<year>.json`` per year into ``pm_common/calendar/data/`` from the ``chinese_calendar``
package, for every year from ``--first-year`` (default 2024) to the last year that package knows.
The platform reads only these JSON files at runtime; it never imports ``chinese_calendar``.

Usage::

    .venv/bin/python tools/gen_holiday_data.py [--first-year 2024] [--out DIR]

When the State Council publishes next year's notice before ``chinese_calendar`` is updated, write
the file by hand in the same format (or drop it into the calendar's extra directory at runtime).
"""

from __future__ import annotations

import argparse
import json
from datetime import date
from pathlib import Path

import chinese_calendar
from chinese_calendar import constants

DEFAULT_OUT = Path(__file__).resolve().parents[1] / "libs/common/src/pm_common/calendar/data"

CHINESE_NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "中国人民抗日战争暨世界反法西斯战争胜利70周年纪念日",
}


def _english(value: object) -> str:
    raw = getattr(value, "value", value)  # Holiday enum in some versions, plain str in others
    if isinstance(raw, tuple):  # very old versions: (english, chinese, days)
        raw = raw[0]
    return str(raw)


def _label(value: object, make_up: bool) -> str:
    english = _english(value)
    chinese = CHINESE_NAMES.get(english, english)
    if make_up:
        return f"{chinese}调休上班 / {english} make-up"
    return f"{chinese} / {english}"


def _days(table: dict[date, object], year: int, make_up: bool) -> dict[str, str]:
    return {d.isoformat(): _label(v, make_up) for d, v in sorted(table.items()) if d.year == year}


def build_year(year: int) -> dict[str, object]:
    return {
        "year": year,
        "source": f"国务院办公厅节假日安排通知 / State Council notice, via chinesecalendar "
        f"{chinese_calendar.__version__}",
        "holidays": _days(constants.holidays, year, make_up=False),
        "workdays": _days(constants.workdays, year, make_up=True),
    }


def last_supported_year() -> int:
    return max(d.year for d in constants.holidays)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--first-year", type=int, default=2024)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args()

    args.out.mkdir(parents=True, exist_ok=True)
    for year in range(args.first_year, last_supported_year() + 1):
        payload = build_year(year)
        if not payload["holidays"]:
            raise SystemExit(f"chinesecalendar 没有 {year} 年的数据 / has no data for {year}")
        path = args.out / f"{year}.json"
        path.write_text(json.dumps(payload, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
