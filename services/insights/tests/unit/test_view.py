"""The complaint view folds the lifecycle in any order, and duplicates change nothing."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from pm_insights.domain.buckets import entry, local_day, period_key
from pm_insights.domain.view import ComplaintView, apply, fact_time

pytestmark = pytest.mark.unit
T0 = datetime(2026, 11, 30, 17, 0, tzinfo=UTC)  # 01:00 on 1 December in Shanghai


def _events() -> list[tuple[str, str, dict[str, Any]]]:
    base = {"complaint_id": "c1", "estate_id": "SUNNY"}
    task = {**base, "task_id": "t1", "actor_id": "p1"}
    return [
        ("e1", "complaint.received", {**base, "channel": "phone", "received_at": T0, "raised_at": T0,
                                      "location": {"building": "3", "unit": "1", "room": "502"}}),
        ("e2", "complaint.triaged", {**base, "category": "cleaning_greening", "urgency": "general",
                                     "triaged_at": T0 + timedelta(minutes=1), "revision": 1}),
        ("e3", "complaint.triaged", {**base, "category": "engineering", "urgency": "urgent",
                                     "triaged_at": T0 + timedelta(minutes=2), "revision": 2,
                                     "fault_key": "SUNNY|3号楼电梯|engineering"}),
        ("e4", "task.assigned", {**task, "department": "eng", "category": "engineering", "urgency": "urgent",
                                 "due_at": T0, "assigned_at": T0 + timedelta(minutes=3),
                                 "assignee": {"kind": "person", "department": "eng", "person_id": "p-wang"}}),
        ("e5", "task.returned", {**task, "at": T0 + timedelta(minutes=4), "reason_code": "wrong_department"}),
        ("e6", "task.assigned", {**task, "department": "eng2", "category": "engineering", "urgency": "urgent",
                                 "due_at": T0, "assigned_at": T0 + timedelta(minutes=5), "reassigned": True,
                                 "assignee": {"kind": "person", "department": "eng2", "person_id": "p-li"}}),
        ("e7", "task.overdue", {**task, "stage": "resolve", "due_at": T0, "overdue_at": T0 + timedelta(hours=5),
                                "escalation_level": 1, "escalate_to": "handler"}),
        ("e8", "task.resolved", {**task, "at": T0 + timedelta(hours=6), "handling_mode": "rectification"}),
        ("e9", "task.reopened", {**task, "at": T0 + timedelta(hours=7), "reason": "again"}),
        ("e10", "task.resolved", {**task, "at": T0 + timedelta(hours=8), "handling_mode": "rectification"}),
        ("e11", "survey.answered", {**base, "score": 2, "satisfied": False, "answered_at": T0 + timedelta(hours=9)}),
        ("e12", "survey.answered", {**base, "score": 4, "satisfied": True, "answered_at": T0 + timedelta(hours=10)}),
        ("e13", "task.closed", {**task, "at": T0 + timedelta(hours=11), "outcome": "satisfied"}),
    ]  # fmt: skip


def _fold(events: list[tuple[str, str, dict[str, Any]]]) -> ComplaintView:
    view = ComplaintView(complaint_id="c1")
    for event_id, kind, data in events:
        view = apply(view, kind, data, event_id, fact_time(kind, data, T0))
    return view


def _figures(view: ComplaintView) -> dict[str, Any]:
    return {k: v for k, v in entry(view, 0).items()}


def test_the_view_of_a_whole_lifecycle() -> None:
    view = _fold(_events())
    assert (view.category, view.urgency, view.fault_place) == ("engineering", "urgent", "3号楼电梯")
    assert (view.handler, view.department) == ("p-li", "eng2")
    assert view.handoffs == ("e5", "e6") and view.reopens == ("e9",)
    assert view.resolved_at == T0 + timedelta(hours=6)  # the first resolution
    assert (view.state, view.close_outcome) == ("closed", "satisfied")
    assert (view.survey_score, view.satisfied) == (4, True)
    assert view.household == "3|1|502" and view.overdue == ("resolve",)
    assert not view.first_contact_resolved
    assert view.reached == ("dispatch", "resolve")
    assert local_day(view.received_at or T0, "Asia/Shanghai").isoformat() == "2026-12-01"


def test_any_order_and_any_duplicates_give_the_same_figures() -> None:
    events = _events()
    expected = _figures(_fold(events))
    orders = [list(reversed(events)), events[::2] + events[1::2]]
    orders += [list(p) for p in itertools.islice(itertools.permutations(events[:7]), 0, 300, 37)]
    for order in orders:
        rest = [e for e in events if e not in order]
        assert _figures(_fold(order + rest + order[:3])) == expected


def test_first_contact_resolution_is_the_first_assignee_without_reopening() -> None:
    events = [e for e in _events() if e[0] in ("e1", "e2", "e4", "e8")]
    assert _fold(events).first_contact_resolved
    intake = [("x1", "complaint.received", {**_events()[0][2], "resolved_at_intake": True})]
    assert _fold(intake).first_contact_resolved and _fold(intake).resolved


def test_a_sub_task_does_not_resolve_the_complaint() -> None:
    base = {"complaint_id": "c1", "estate_id": "SUNNY", "task_id": "t1-sub", "actor_id": "p"}
    sub = ("s1", "task.assigned", {**base, "department": "x", "category": "engineering", "urgency": "general",
                                   "due_at": T0, "assigned_at": T0, "parent_task_id": "t1"})  # fmt: skip
    done = ("s2", "task.resolved", {**base, "at": T0, "handling_mode": "rectification"})
    assert _fold([sub, done]).resolved_at is None


def test_periods() -> None:
    day = local_day(T0, "Asia/Shanghai")
    assert [period_key(day, p) for p in ("day", "week", "month")] == ["2026-12-01", "2026-W49", "2026-12"]
