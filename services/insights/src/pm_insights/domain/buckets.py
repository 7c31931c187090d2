"""Where a complaint counts: the estate × local-day bucket of its registration, and its entry there.

A bucket (``_id`` ``<estate>|<YYYY-MM-DD>``) holds one small entry per complaint received that day,
replaced whole whenever the complaint's view changes (newer view version only). Counting entries at
read time instead of incrementing counters keeps every figure idempotent and order-safe: a complaint
re-triaged from cleaning to engineering moves from one count to the other instead of being in both.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from pm_insights.domain.view import ComplaintView


def local_day(at: datetime, tz: str) -> date:
    return at.astimezone(ZoneInfo(tz)).date()


def bucket_id(estate_id: str, day: date) -> str:
    return f"{estate_id}|{day.isoformat()}"


def days(since: date, until: date) -> list[date]:
    """Every day from ``since`` to ``until``, both included."""
    return [since + timedelta(days=i) for i in range((until - since).days + 1)]


def period_key(day: date, period: str) -> str:
    """``day`` → itself, ``week`` → ISO week (2026-W49), ``month`` → 2026-12."""
    if period == "week":
        year, week, _ = day.isocalendar()
        return f"{year}-W{week:02d}"
    if period == "month":
        return day.strftime("%Y-%m")
    return day.isoformat()


def entry(view: ComplaintView, version: int) -> dict[str, Any]:
    """What the statistics need of one complaint (no personal data: the household is a place key)."""
    return {
        "v": version,
        "n": view.category or "untriaged",
        "ch": view.channel or "unknown",
        "h": view.handler,
        "dep": view.department,
        "hh": view.household,
        "b": view.building,
        "fp": view.fault_place,
        "ov": list(view.overdue),
        "reach": list(view.reached),
        "res": view.resolved,
        "fcr": view.first_contact_resolved,
        "ro": len(view.reopens),
        "sc": view.survey_score,
        "sat": view.satisfied,
        "rv": view.visit_outcome,
        "st": view.state,
    }
