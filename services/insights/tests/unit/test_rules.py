"""Figures of a small known cohort, and the early-warning rules on known days."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from pm_insights.domain.stats import figures
from pm_insights.domain.thresholds import SpikeRule, Thresholds
from pm_insights.domain.warnings import evaluate, warning_id

pytestmark = pytest.mark.unit
DAY = date(2026, 12, 1)


def _e(**kw: Any) -> dict[str, Any]:
    base = {"v": 1, "n": "engineering", "ch": "phone", "h": "p1", "dep": "eng", "hh": None, "b": None, "fp": None,
            "ov": [], "reach": [], "res": False, "fcr": False, "ro": 0, "sc": None, "sat": None, "rv": None,
            "st": "open"}  # fmt: skip
    return base | kw


def test_figures_of_a_known_cohort() -> None:
    rows = [
        ("SUNNY", DAY, "a", _e(res=True, fcr=True, reach=["dispatch", "resolve"], sc=5, sat=True, hh="3|1|101")),
        (
            "SUNNY",
            DAY,
            "b",
            _e(
                res=True,
                ro=2,
                reach=["dispatch", "resolve"],
                ov=["resolve"],
                sc=2,
                sat=False,
                hh="3|1|101",
                ch="wechat",
            ),
        ),
        ("JADE", DAY + timedelta(days=7), "c", _e(n="cleaning_greening", h=None, ov=["dispatch"], hh="1|1|1")),
    ]
    f = figures(rows, "week")
    assert f["complaints"] == 3 and f["by_estate"] == {"JADE": 1, "SUNNY": 2}
    assert f["by_nature"] == {"engineering": 2, "cleaning_greening": 1}
    assert f["by_handler"] == {"p1": 2, "unassigned": 1} and f["by_period"] == {"2026-W49": 2, "2026-W50": 1}
    assert f["sla"]["resolve"] == {"measured": 2, "met": 1, "late": 1, "compliance": 0.5}
    assert f["sla"]["dispatch"] == {"measured": 3, "met": 2, "late": 1, "compliance": 0.6667}
    assert f["sla"]["onsite"]["compliance"] is None
    assert f["satisfaction"]["mean_score"] == 3.5 and f["satisfaction"]["satisfied_rate"] == 0.5
    assert f["first_contact_resolution"] == {"resolved": 2, "first_contact": 1, "rate": 0.5}
    assert f["repeat_households"]["repeat_households"] == 1 and f["repeat_households"]["households"] == 2
    assert f["reopen"] == {"resolved": 2, "reopened": 1, "reopenings": 2, "rate": 0.5}


def test_a_lift_spike_in_one_building_raises_one_location_warning() -> None:
    rows = [("S", DAY - timedelta(days=d), f"old{d}{i}", _e(b=str(i))) for d in range(1, 15) for i in range(4)]
    rows += [("S", DAY, f"new{i}", _e(b="3")) for i in range(6)]
    raised = evaluate("S", DAY, rows, Thresholds())
    assert [(w["rule"], w["key"]) for w in raised] == [("location_spike", "3|engineering")]
    w = raised[0]
    assert (w["observed"], w["baseline"], w["threshold"]) == (6, pytest.approx(14 / 28, abs=1e-3), 3.0)
    assert w["warning_id"] == warning_id("S", "location_spike", "3|engineering", DAY, DAY)
    assert len(w["complaint_ids"]) == 6
    # the nature spike fires too once its own threshold is low enough
    lower = Thresholds(nature_spike=SpikeRule(min_count=5, factor=1.4))
    assert {w["rule"] for w in evaluate("S", DAY, rows, lower)} == {"location_spike", "nature_spike"}


def test_rising_repeats_and_reopen_rate() -> None:
    rows = [("S", DAY - timedelta(days=i), f"r{i}", _e(hh="1|1|1", res=True, ro=1)) for i in range(4)]
    rows += [("S", DAY - timedelta(days=10 + i), f"q{i}", _e(res=True)) for i in range(20)]
    rules = {w["rule"]: w for w in evaluate("S", DAY, rows, Thresholds())}
    assert rules["repeat_rising"]["observed"] == 4 and rules["repeat_rising"]["baseline"] == 0
    assert "reopen_rising" not in rules  # 4 resolved in the window: fewer than min_resolved (10)
    rows += [("S", DAY - timedelta(days=i % 7), f"z{i}", _e(res=True, ro=i % 2)) for i in range(10)]
    reopen = {w["rule"]: w for w in evaluate("S", DAY, rows, Thresholds())}["reopen_rising"]
    assert reopen["observed"] == pytest.approx(9 / 14, abs=1e-3) and reopen["baseline"] == 0


def test_a_rule_given_in_part_keeps_that_rules_own_defaults() -> None:
    from pm_insights.domain.thresholds import Thresholds

    given = Thresholds.model_validate({"location_spike": {"factor": 3.0}, "reopen_rising": {"enabled": False}})
    assert given.location_spike.model_dump() == {"enabled": True, "min_count": 3, "factor": 3.0, "baseline_days": 28}
    assert given.reopen_rising.min_value == 0.1 and given.reopen_rising.enabled is False
    assert given.nature_spike == Thresholds().nature_spike
