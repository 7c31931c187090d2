"""Early-warning rules, evaluated for one estate and one day on that day's buckets and those before.

- ``nature_spike``: complaints of one nature (category) on the day vs the mean day of the baseline;
- ``location_spike``: complaints of one nature in one building (the same lift, the same building);
- ``repeat_rising``: complaints of the last 7 days from households with two or more in those days, vs
  the mean of the 4 windows of 7 days before;
- ``reopen_rising``: share of the last 7 days' resolved complaints that were reopened, vs the 28 days before.

A warning's id is derived from estate, rule, key and window, so a rule fires once per window however
often it is evaluated (and after a rebuild the same warning has the same id).
"""

from __future__ import annotations

import hashlib
from collections import Counter
from datetime import date, timedelta
from typing import Any

from pm_insights.domain.stats import Row, daily_counts
from pm_insights.domain.thresholds import BASELINE_WINDOWS, WINDOW_DAYS, RisingRule, SpikeRule, Thresholds


def warning_id(estate_id: str, rule: str, key: str, window_start: date, window_end: date) -> str:
    raw = f"{estate_id}|{rule}|{key}|{window_start.isoformat()}|{window_end.isoformat()}"
    return hashlib.sha256(raw.encode()).hexdigest()[:32]


def _warning(estate: str, rule: str, key: str, start: date, end: date, observed: float, baseline: float,
             threshold: float, complaints: list[str]) -> dict[str, Any]:  # fmt: skip
    return {
        "warning_id": warning_id(estate, rule, key, start, end),
        "estate_id": estate,
        "rule": rule,
        "key": key,
        "window_start": start.isoformat(),
        "window_end": end.isoformat(),
        "observed": round(observed, 4),
        "baseline": round(baseline, 4),
        "threshold": round(threshold, 4),
        "complaint_ids": sorted(complaints)[:50],
    }


def _spikes(estate: str, rule_name: str, rule: SpikeRule, rows: list[Row], day: date, key: str) -> list[dict[str, Any]]:
    if not rule.enabled:
        return []
    counts = daily_counts(rows, key)
    today = counts.get(day, Counter())
    before = [day - timedelta(days=i) for i in range(1, rule.baseline_days + 1)]
    out = []
    for value, count in sorted(today.items()):
        baseline = sum(counts.get(d, Counter())[value] for d in before) / rule.baseline_days
        threshold = max(float(rule.min_count), rule.factor * baseline)
        if count >= threshold:
            ids = [cid for _e, d, cid, e in rows if d == day and _key(e, key) == value]
            out.append(_warning(estate, rule_name, value, day, day, count, baseline, threshold, ids))
    return out


def _key(e: dict[str, Any], key: str) -> str | None:
    if key == "loc":
        return f"{e['b']}|{e['n']}" if e["b"] else None
    return str(e["n"])


def _windows(day: date) -> list[tuple[date, date]]:
    """The current window (ending on ``day``) first, then the baseline windows before it."""
    return [
        (day - timedelta(days=WINDOW_DAYS * (i + 1) - 1), day - timedelta(days=WINDOW_DAYS * i))
        for i in range(BASELINE_WINDOWS + 1)
    ]


def _in(rows: list[Row], start: date, end: date) -> list[Row]:
    return [r for r in rows if start <= r[1] <= end]


def _repeat_ids(rows: list[Row]) -> list[str]:
    per = Counter(e["hh"] for *_, e in rows if e["hh"])
    return [cid for _e, _d, cid, e in rows if e["hh"] and per[e["hh"]] >= 2]


def _rising(estate: str, rule_name: str, rule: RisingRule, rows: list[Row], day: date) -> list[dict[str, Any]]:
    if not rule.enabled:
        return []
    (start, end), *before = _windows(day)
    current = _in(rows, start, end)
    if rule_name == "repeat_rising":
        ids = _repeat_ids(current)
        observed = float(len(ids))
        baseline = sum(len(_repeat_ids(_in(rows, s, e))) for s, e in before) / len(before)
    else:
        resolved = [r for r in current if r[3]["res"]]
        if len(resolved) < rule.min_resolved:
            return []
        ids = [r[2] for r in resolved if r[3]["ro"] > 0]
        observed = len(ids) / len(resolved)
        old = [r for r in _in(rows, before[-1][0], before[0][1]) if r[3]["res"]]
        baseline = (sum(1 for r in old if r[3]["ro"] > 0) / len(old)) if old else 0.0
    threshold = max(rule.min_value, rule.factor * baseline)
    if observed >= threshold and observed > 0:
        return [_warning(estate, rule_name, "", start, end, observed, baseline, threshold, ids)]
    return []


def evaluate(estate: str, day: date, rows: list[Row], thresholds: Thresholds) -> list[dict[str, Any]]:
    """Every warning the rules raise for ``estate`` on ``day`` (``rows``: its buckets of the days before)."""
    return [
        *_spikes(estate, "nature_spike", thresholds.nature_spike, rows, day, "n"),
        *_spikes(estate, "location_spike", thresholds.location_spike, rows, day, "loc"),
        *_rising(estate, "repeat_rising", thresholds.repeat_rising, rows, day),
        *_rising(estate, "reopen_rising", thresholds.reopen_rising, rows, day),
    ]
