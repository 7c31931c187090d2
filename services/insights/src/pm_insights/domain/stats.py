"""The statistics of a set of complaints (the cohort received in a period), defined in docs/insights.md.

Input: bucket entries ``(estate_id, day, complaint_id, entry)``; output: plain dicts the API returns.
Rates are ``None`` where their denominator is zero (nothing to measure), never 0.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from datetime import date
from typing import Any

from pm_insights.domain.buckets import period_key
from pm_insights.domain.view import TRACKED_STAGES

Row = tuple[str, date, str, dict[str, Any]]


def rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def figures(rows: Iterable[Row], period: str = "day") -> dict[str, Any]:
    rows = list(rows)
    entries = [e for *_, e in rows]
    total = len(entries)
    by: dict[str, Counter[str]] = {k: Counter() for k in ("estate", "nature", "channel", "handler", "period")}
    for estate, day, _cid, e in rows:
        by["estate"][estate] += 1
        by["nature"][e["n"]] += 1
        by["channel"][e["ch"]] += 1
        by["handler"][e["h"] or "unassigned"] += 1
        by["period"][period_key(day, period)] += 1
    return {
        "complaints": total,
        "period": period,
        "by_estate": dict(sorted(by["estate"].items())),
        "by_nature": dict(by["nature"].most_common()),
        "by_channel": dict(by["channel"].most_common()),
        "by_handler": dict(by["handler"].most_common()),
        "by_period": dict(sorted(by["period"].items())),
        "sla": sla(entries),
        "satisfaction": satisfaction(entries),
        "first_contact_resolution": first_contact(entries),
        "repeat_households": repeats(rows),
        "reopen": reopen(entries),
    }


def sla(entries: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Per tracked stage: measured = items that reached the stage or breached it; late = breached."""
    out: dict[str, dict[str, Any]] = {}
    for stage in TRACKED_STAGES:
        measured = sum(1 for e in entries if stage in e["reach"] or stage in e["ov"])
        late = sum(1 for e in entries if stage in e["ov"])
        out[stage] = {
            "measured": measured,
            "met": measured - late,
            "late": late,
            "compliance": rate(measured - late, measured),
        }
    return out


def satisfaction(entries: list[dict[str, Any]]) -> dict[str, Any]:
    scores = [e["sc"] for e in entries if e["sc"] is not None]
    satisfied = sum(1 for e in entries if e["sat"] is True)
    visits = [e["rv"] for e in entries if e["rv"] is not None]
    return {
        "surveys": len(scores),
        "mean_score": round(sum(scores) / len(scores), 2) if scores else None,
        "satisfied": satisfied,
        "satisfied_rate": rate(satisfied, len(scores)),
        "return_visits": len(visits),
        "return_visit_satisfied": visits.count("satisfied"),
        "return_visit_satisfied_rate": rate(visits.count("satisfied"), len(visits)),
    }


def first_contact(entries: list[dict[str, Any]]) -> dict[str, Any]:
    resolved = sum(1 for e in entries if e["res"])
    fcr = sum(1 for e in entries if e["fcr"])
    return {"resolved": resolved, "first_contact": fcr, "rate": rate(fcr, resolved)}


def repeats(rows: list[Row]) -> dict[str, Any]:
    """Households (estate + building/unit/room) with two or more complaints in the period."""
    per: Counter[tuple[str, str]] = Counter()
    for estate, _day, _cid, e in rows:
        if e["hh"]:
            per[(estate, e["hh"])] += 1
    repeat = {k: n for k, n in per.items() if n >= 2}
    return {
        "households": len(per),
        "repeat_households": len(repeat),
        "repeat_complaints": sum(repeat.values()),
        "rate": rate(len(repeat), len(per)),
        "top": [{"estate_id": k[0], "household": k[1], "complaints": n} for k, n in Counter(repeat).most_common(10)],
    }


def reopen(entries: list[dict[str, Any]]) -> dict[str, Any]:
    resolved = sum(1 for e in entries if e["res"])
    reopened = sum(1 for e in entries if e["ro"] > 0)
    return {
        "resolved": resolved,
        "reopened": reopened,
        "reopenings": sum(e["ro"] for e in entries),
        "rate": rate(reopened, resolved),
    }


def daily_counts(rows: Iterable[Row], key: str) -> dict[date, Counter[str]]:
    """Per day, complaints per value of an entry field (``n``: nature, ``loc``: building × nature)."""
    out: dict[date, Counter[str]] = defaultdict(Counter)
    for _estate, day, _cid, e in rows:
        value = f"{e['b']}|{e['n']}" if key == "loc" and e["b"] else (e["n"] if key == "n" else None)
        if value is not None and e["n"] != "untriaged":  # no spike of what is not classified yet
            out[day][value] += 1
    return out
