"""The stage clocks from lifecycle facts (pure): grades (DOMAIN §9), pauses across a weekend and a
statutory holiday with 调休, urgent on-site around the clock, extensions, plans, reopen, order."""

from __future__ import annotations

import random

import pytest
from facts_kit import assigned, complaint_clocks, fact, hours, local, task_clocks

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("grade", "reply_due", "handled_due", "reply_basis"),
    [
        ("major", local(2026, 12, 1, 12, 0), local(2026, 12, 5), "clock"),  # 2 h; 3 working days
        ("important", local(2026, 12, 3), local(2026, 12, 4), "working"),  # 1 / 2 working days
        ("minor", local(2026, 12, 1, 12, 0), local(2026, 12, 3), "clock"),  # 2 h; 1 working day
    ],
)
def test_the_grade_clocks_reply_and_handled(grade, reply_due, handled_due, reply_basis) -> None:  # type: ignore[no-untyped-def]
    received = local(2026, 12, 1, 10, 0)  # a Tuesday
    triaged = fact(
        "complaint.triaged",
        received,
        complaint_id="c-1",
        decision="accepted",
        urgency="general",
        category="customer_service",
        grade=grade,
        received_at=received,
    )
    clocks = complaint_clocks(triaged)
    assert clocks["reply"].due_at == reply_due and clocks["reply"].basis == reply_basis
    assert clocks["dispatch"].due_at == local(2026, 12, 3)  # 1 working day
    resolve = task_clocks(assigned(received, urgency="general", category="customer_service", grade=grade))["resolve"]
    assert resolve.due_at == handled_due
    ladder = "major" if grade == "major" else "general"
    assert task_clocks(assigned(received, grade=grade))["resolve"].ladder == ladder


def test_triage_clocks_review_invalid_notice_and_acknowledge() -> None:
    at = local(2026, 12, 4, 15, 0)  # a Friday
    received = fact("complaint.received", at, complaint_id="c-1", urgency_reported="urgent")
    review = fact("complaint.triaged", at, decision="needs_review", revision=1)
    rejected = fact("complaint.triaged", at + hours(1), decision="rejected", revision=2)
    clocks = complaint_clocks(received, review, rejected)
    assert clocks["acknowledge"].due_at == at + hours(2)  # the urgent promise, not 24 h
    assert clocks["review"].stop_reason == "reviewed" and clocks["review"].outcome == "met"
    assert clocks["invalid_notice"].due_at == local(2026, 12, 8)  # end of Monday: the weekend does not count
    told = fact("feedback.sent", at + hours(3), recipient_role="owner")
    clocks = complaint_clocks(received, review, rejected, told)
    assert {clocks[s].state for s in ("acknowledge", "invalid_notice")} == {"stopped"}
    assert clocks["acknowledge"].outcome == "late" and clocks["invalid_notice"].outcome == "met"


def test_a_pause_across_labour_day_and_its_make_up_saturday_moves_the_deadline_by_working_time() -> None:
    start = local(2026, 4, 30, 10, 0)  # Thursday before 劳动节 (1–5 May off, Saturday 9 May worked: 调休)
    task = assigned(start, urgency="general", category="customer_service")
    assert task_clocks(task)["resolve"].due_at == local(2026, 5, 9)  # 3 working days: 6, 7, 8 May
    paused = fact("task.paused", local(2026, 4, 30, 16, 0), reason="owner_access")
    resumed = fact("task.resumed", local(2026, 5, 6, 10, 0))
    clock = task_clocks(task, paused)["resolve"]
    assert clock.state == "paused"
    clock = task_clocks(task, paused, resumed)["resolve"]
    # paused 8 h of Thursday + 10 h of Wednesday (the holiday and its weekend cost nothing); the deadline
    # moves 18 working hours past the end of Friday 8 May — into Saturday 9 May, a make-up working day
    assert clock.state == "running" and clock.due_at == local(2026, 5, 9, 18, 0)


def test_a_pause_over_an_ordinary_weekend() -> None:
    start = local(2026, 12, 1, 10, 0)
    task = assigned(start, urgency="general", category="engineering")  # repair: 2 working days → end of Thu
    paused = fact("task.paused", local(2026, 12, 4, 20, 0), reason="parts")  # Friday evening
    resumed = fact("task.resumed", local(2026, 12, 7, 2, 0))  # Monday 02:00
    clock = task_clocks(task, paused, resumed)["resolve"]
    assert clock.due_at == local(2026, 12, 4) + hours(4 + 2)


def test_urgent_on_site_runs_around_the_clock_and_stops_at_check_in() -> None:
    night = local(2026, 12, 5, 23, 0)  # Saturday night
    task = assigned(night, urgency="urgent", category="engineering")
    clocks = task_clocks(task)
    assert clocks["onsite"].due_at == night + hours(2) and clocks["onsite"].basis == "clock"
    assert clocks["resolve"].due_at == local(2026, 12, 9)  # urgent resolve: 1 working day from Monday
    paused = fact("task.paused", night + hours(1), reason="owner_access")
    resumed = fact("task.resumed", night + hours(1.5))
    assert task_clocks(task, paused, resumed)["onsite"].due_at == night + hours(2.5)  # clock time on a Sunday
    on_site = fact("task.on_site", night + hours(1.75))
    clocks = task_clocks(task, paused, resumed, on_site)
    assert clocks["onsite"].stop_reason == "on_site" and clocks["onsite"].outcome == "met"
    assert clocks["resolve"].state == "running"


def test_extension_plan_resolution_return_visit_and_reopen() -> None:
    start = local(2026, 12, 1, 10, 0)
    task = assigned(start, urgency="general", category="other", plan_by=local(2026, 12, 8))
    extension = fact("task.extension_approved", start + hours(5), new_resolve_by=local(2026, 12, 20))
    plan = fact("task.plan_submitted", start + hours(6), plan_by=local(2026, 12, 30))
    clocks = task_clocks(task, extension, plan)
    assert clocks["plan"].stop_reason == "plan_submitted" and clocks["resolve"].due_at == local(2026, 12, 30)
    resolved = fact("task.resolved", local(2026, 12, 11, 9, 0), handling_mode="plan", result_summary="ok")
    clocks = task_clocks(task, extension, plan, resolved)
    assert clocks["resolve"].outcome == "met"
    assert clocks["return_visit"].due_at == local(2026, 12, 17)  # 3 working days after Friday
    reopened = fact("task.reopened", local(2026, 12, 14, 9, 0), reason="不满意")
    clocks = task_clocks(task, extension, plan, resolved, reopened)
    assert clocks["return_visit"].stop_reason == "reopened" and clocks["return_visit"].outcome == "void"
    again = clocks["resolve"]
    assert (again.generation, again.state, again.started_at) == (1, "running", local(2026, 12, 14, 9, 0))
    assert again.budget == task_clocks(task)["resolve"].budget  # the full length again


def test_suggestions_get_a_reasoned_reply_clock_and_a_cancel_stops_everything() -> None:
    start = local(2026, 12, 1, 10, 0)
    clocks = task_clocks(assigned(start, urgency="suggestion", category="community_culture"))
    assert set(clocks) == {"suggestion_reply"} and clocks["suggestion_reply"].due_at == local(2026, 12, 11)
    cancelled = fact("task.cancelled", start + hours(1))
    assert task_clocks(assigned(start, urgency="urgent"), cancelled)["onsite"].outcome == "void"


def test_without_an_own_policy_the_deadline_the_item_arrived_with_is_used() -> None:
    start = local(2026, 12, 1, 10, 0)
    task = assigned(start, urgency="general", due_at=start + hours(0.5))
    assert task_clocks(task, own=False)["resolve"].due_at == start + hours(0.5)
    assert task_clocks(task, own=True)["resolve"].due_at == local(2026, 12, 5)  # 3 working days


def test_the_order_of_delivery_does_not_matter() -> None:
    start = local(2026, 4, 30, 10, 0)
    facts = [
        assigned(start, urgency="urgent", category="engineering"),
        fact("task.paused", start + hours(1), reason="parts"),
        fact("task.resumed", start + hours(30)),
        fact("task.on_site", start + hours(31)),
        fact("task.resolved", start + hours(40), handling_mode="rectification", result_summary="ok"),
        fact("task.reopened", start + hours(50), reason="again"),
    ]
    expected = task_clocks(*facts)
    for seed in range(5):
        shuffled = list(facts)
        random.Random(seed).shuffle(shuffled)
        assert task_clocks(*shuffled) == expected
