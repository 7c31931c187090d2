"""Stage deadlines from the estate policy on the statutory calendar."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from pm_common.calendar import HolidayCalendar
from pm_triage.domain.sla import SlaPolicy, compute_deadlines

pytestmark = pytest.mark.unit
SH = ZoneInfo("Asia/Shanghai")
CAL = HolidayCalendar.load()


def local(dt: datetime) -> datetime:
    return dt.astimezone(SH)


def test_urgent_is_on_site_within_hours_around_the_clock() -> None:
    sunday_night = datetime(2026, 11, 22, 23, 0, tzinfo=SH)
    d = compute_deadlines(sunday_night, "urgent", "engineering", SlaPolicy(), CAL)
    assert d.onsite_by == sunday_night + timedelta(hours=2)
    assert d.dispatch_by == sunday_night + timedelta(minutes=15)


def test_general_repair_crosses_spring_festival_and_counts_the_make_up_saturday() -> None:
    # Fri 13 Feb 2026; Sat 14 Feb is a 调休 working day; 15-23 Feb is the Spring Festival holiday.
    friday = datetime(2026, 2, 13, 10, 0, tzinfo=SH)
    d = compute_deadlines(friday, "general", "engineering", SlaPolicy(), CAL)  # Y = 2 working days
    assert local(d.resolve_by) == datetime(2026, 2, 25, 0, 0, tzinfo=SH)  # end of Tue 24 Feb
    assert local(d.dispatch_by) == datetime(2026, 2, 15, 0, 0, tzinfo=SH)  # end of the make-up Saturday


def test_policy_overrides_and_suggestion_reply() -> None:
    monday = datetime(2026, 11, 23, 9, 0, tzinfo=SH)
    d = compute_deadlines(monday, "suggestion", "community_culture", SlaPolicy(suggestion_reply_working_days=1), CAL)
    assert local(d.resolve_by) == datetime(2026, 11, 25, 0, 0, tzinfo=SH)
    general = compute_deadlines(monday, "general", "customer_service", SlaPolicy(), CAL)
    assert local(general.resolve_by) == datetime(2026, 11, 27, 0, 0, tzinfo=SH)
    assert general.onsite_by is None


def test_deadline_in_a_year_without_holiday_data_warns() -> None:
    d = compute_deadlines(datetime(2031, 3, 3, 9, 0, tzinfo=UTC), "general", "engineering", SlaPolicy(), CAL)
    assert d.warnings and "2031" in d.warnings[0]


def test_per_category_targets_and_complex_plan_and_acknowledgement() -> None:
    monday = datetime(2026, 11, 23, 9, 0, tzinfo=SH)
    policy = SlaPolicy.model_validate(
        {"acknowledge_minutes": 30, "by_category": {"fees_finance": {"complaint_working_days": 5}}}
    )
    fees = compute_deadlines(monday, "general", "fees_finance", policy, CAL)
    assert local(fees.resolve_by) == datetime(2026, 12, 1, 0, 0, tzinfo=SH)  # 5 working days: end of Mon 30 Nov
    assert fees.acknowledge_by == monday + timedelta(minutes=30)
    other = compute_deadlines(monday, "general", "customer_service", policy, CAL)
    assert local(other.resolve_by) == datetime(2026, 11, 27, 0, 0, tzinfo=SH)  # estate default: 3
    plan = compute_deadlines(monday, "general", "engineering", SlaPolicy(), CAL, scope="group")
    assert local(plan.resolve_by) == datetime(2026, 12, 1, 0, 0, tzinfo=SH)  # Z = 5: a plan for a group-wide issue


def test_policy_refuses_unknown_time_zone_and_unknown_fields() -> None:
    with pytest.raises(ValueError, match="unknown time zone"):
        SlaPolicy(timezone="Mars/Olympus")
    with pytest.raises(ValueError):
        SlaPolicy.model_validate({"repair_days": 2})
    with pytest.raises(ValueError):
        SlaPolicy.model_validate({"by_category": {"plumbing": {"repair_working_days": 1}}})
