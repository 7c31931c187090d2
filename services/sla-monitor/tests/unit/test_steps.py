"""Steps of a clock (pure): warnings at fractions, the breach, the ladder in working or clock time,
reminders after the last step, catching up after downtime, named recipients from the roster."""

from __future__ import annotations

from datetime import timedelta

import pytest
from facts_kit import CAL, assigned, hours, local, task_clocks

from pm_common.org import DutyRule, OrgPerson, OrgSnapshot
from pm_common.sla import SlaPolicy
from pm_sla_monitor.domain.recipients import resolve
from pm_sla_monitor.domain.schedule import Schedule
from pm_sla_monitor.domain.steps import StepPlan

pytestmark = pytest.mark.unit
PLAN = StepPlan(SlaPolicy(), CAL)


def test_warnings_breach_and_the_working_time_ladder_skip_the_weekend() -> None:
    clock = task_clocks(assigned(local(2026, 12, 2, 0, 0), urgency="general", category="engineering"))["resolve"]
    assert clock.due_at == local(2026, 12, 5)  # end of Friday (2 working days after Wednesday)
    assert clock.budget == hours(72)
    steps = [PLAN.step(clock, i) for i in range(7)]
    assert [s.fraction for s in steps[:2]] == [0.5, 0.8]
    assert steps[0].at == local(2026, 12, 3, 12, 0) and steps[1].at == local(2026, 12, 4, 9, 36)
    assert (steps[2].level, steps[2].at, steps[2].roles) == (1, local(2026, 12, 5), ("assignee",))
    assert steps[3].at == local(2026, 12, 7, 4, 0)  # +4 working hours: Monday 04:00, not Saturday
    assert (steps[4].level, steps[4].roles) == (3, ("supervisor", "project_manager"))
    assert steps[5].at == local(2026, 12, 7, 16, 0) and steps[5].roles == ("project_manager", "quality")
    assert (steps[6].level, steps[6].repeat, steps[6].at) == (4, 1, local(2026, 12, 8, 0, 0))  # reminder


def test_the_urgent_ladder_runs_in_clock_time() -> None:
    night = local(2026, 12, 5, 23, 0)
    onsite = task_clocks(assigned(night, urgency="urgent"))["onsite"]
    steps = [PLAN.step(onsite, i) for i in range(2, 5)]
    assert [s.at for s in steps] == [night + hours(2), night + hours(3), night + hours(4)]
    assert steps[0].roles == ("assignee", "supervisor")


def test_after_downtime_only_the_latest_due_step_is_sent_with_the_levels_it_folds() -> None:
    clock = task_clocks(assigned(local(2026, 12, 2, 0, 0), category="engineering"))["resolve"]
    step, folded = PLAN.due_step(clock, 0, local(2026, 12, 7, 10, 0))
    assert (step.level, step.at, folded) == (3, local(2026, 12, 7, 8, 0), [1, 2])
    step, folded = PLAN.due_step(clock, 0, local(2026, 12, 3, 13, 0))
    assert (step.fraction, folded) == (0.5, [])


def test_skipping_the_warnings_of_a_due_breach_gives_the_same_steps_as_walking_every_step() -> None:
    def walked(clock, index, now):  # type: ignore[no-untyped-def]
        step, folded = PLAN.step(clock, index), []
        while (following := PLAN.step(clock, step.index + 1)).at <= now:
            if not step.is_warning and step.repeat == 0:
                folded.append(step.level)
            step = following
        return step, folded, following

    clock = task_clocks(assigned(local(2026, 12, 2, 0, 0), category="engineering"))["resolve"]
    for hour in range(0, 24 * 8, 3):
        now = local(2026, 12, 2, 0, 0) + hours(hour)
        for index in range(4):
            assert PLAN.due_and_next(clock, index, now) == walked(clock, index, now), (hour, index)


def test_recipients_are_named_people_on_duty() -> None:
    snapshot = OrgSnapshot(
        estate_id="SUNNY",
        version=1,
        updated_at=local(2026, 12, 1),
        people=[
            OrgPerson(person_id="day-sup", name="白班主管", roles=["supervisor"]),
            OrgPerson(person_id="night-sup", name="夜班主管", roles=["supervisor"]),
            OrgPerson(person_id="pm", name="项目经理", roles=["project_manager"]),
            OrgPerson(person_id="qa", name="品质部", roles=["quality"]),
        ],
        duty_rules=[
            DutyRule(person_id="day-sup", role="supervisor", days="all", start="08:00", end="20:00"),
            DutyRule(person_id="night-sup", role="supervisor", days="all", start="20:00", end="08:00"),
        ],
    )
    roles = ("assignee", "supervisor", "project_manager", "quality")
    assert resolve(roles, "h-1", snapshot, local(2026, 12, 5, 23, 0), CAL) == ["h-1", "night-sup", "pm", "qa"]
    assert resolve(("supervisor",), None, snapshot, local(2026, 12, 5, 9, 0), CAL) == ["day-sup"]
    assert resolve(roles, "h-1", None, local(2026, 12, 5, 9, 0), CAL) == ["h-1"]


def test_the_schedule_orders_fire_times_per_partition_and_drops_stale_entries() -> None:
    schedule = Schedule()
    schedule.own({0, 1})
    start = local(2026, 12, 1, 10, 0)
    first = task_clocks(assigned(start, urgency="urgent"))["onsite"]
    assert schedule.put(first, 0, 2, first.due_at)
    moved = first.moved(first.due_at + hours(1))
    assert schedule.put(moved, 0, 2, moved.due_at)  # re-scheduled: the old heap entry goes stale
    assert schedule.next_fire() == moved.due_at and len(schedule) == 1
    assert not schedule.pop_due(first.due_at + timedelta(minutes=30), 10)
    (due,) = schedule.pop_due(moved.due_at, 10)[0]
    assert due.clock.due_at == moved.due_at and due.clock.key == first.key
    schedule.advance(due, 3, moved.due_at + hours(1))
    assert schedule.index_of(first.key) == 3
    assert schedule.release({0}) == 1 and not schedule.put(first, 0, 0, start)


def test_a_step_with_nobody_named_goes_to_the_supervisor_on_duty() -> None:
    snapshot = OrgSnapshot(
        estate_id="SUNNY",
        version=1,
        updated_at=local(2026, 12, 1),
        people=[OrgPerson(person_id="sup", name="主管", roles=["supervisor"])],
        duty_rules=[DutyRule(person_id="sup", role="supervisor", days="all", start="00:00", end="00:00")],
    )
    assert resolve(("assignee",), None, snapshot, local(2026, 12, 5, 9, 0), CAL) == ["sup"]
    assert resolve(("assignee",), None, None, local(2026, 12, 5, 9, 0), CAL) == []
