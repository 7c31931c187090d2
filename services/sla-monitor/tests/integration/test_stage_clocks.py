"""Stage clocks on the real engines with a manual clock: warnings → breach → each step of the ladder
to the named people on duty at the right (working) time; urgent on-site around the clock; reopen
restarting a clock; a restart between warning and breach; a pause over 劳动节 and its 调休; grades."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sla_harness import new_id, serve
from stage_kit import assign_v2, lc, lifecycle, local, org, received_and_triaged

from pm_common import topics
from pm_common.testing import poll_until

pytestmark = pytest.mark.integration


async def test_warnings_breach_and_every_ladder_step_reach_the_named_people_in_working_time(
    sla_settings, driver, clock, mongo
) -> None:  # type: ignore[no-untyped-def]
    start = local(2026, 12, 2, 0, 0)  # Wednesday; engineering repair: 2 working days → end of Friday
    clock.set(start)
    async with serve(sla_settings(escalation_step_seconds=None), clock) as sla:
        await org(driver, start)
        await poll_until(lambda: mongo.collection("org_snapshots").find_one({"_id": "SUNNY"}), what="org snapshot")
        task_id = new_id()
        assigned = await assign_v2(driver, task_id, start, local(2026, 12, 5))
        await driver.armed(task_id)
        steps = [  # (when, topic, recipients, level, repeat)
            (local(2026, 12, 3, 12, 0), topics.TASK_SLA_WARNING, ["h-1"], None, None),
            (local(2026, 12, 4, 9, 36), topics.TASK_SLA_WARNING, ["h-1"], None, None),
            (local(2026, 12, 5), topics.TASK_OVERDUE, ["h-1"], 1, 0),  # Saturday 00:00: the breach
            (local(2026, 12, 7, 4, 0), topics.TASK_OVERDUE, ["h-1", "night-sup"], 2, 0),  # +4 working hours
            (local(2026, 12, 7, 8, 0), topics.TASK_OVERDUE, ["day-sup", "pm-sun"], 3, 0),
            (local(2026, 12, 7, 16, 0), topics.TASK_OVERDUE, ["pm-sun", "qa-li"], 4, 0),
            (local(2026, 12, 8, 0, 0), topics.TASK_OVERDUE, ["pm-sun", "qa-li"], 4, 1),  # reminders go on
        ]
        seen = {topics.TASK_SLA_WARNING: 0, topics.TASK_OVERDUE: 0}
        for when, topic, recipients, level, repeat in steps:
            await poll_until(lambda w=when: _next_fire_is(sla, w), what=f"next step at {when}")
            clock.set(when)
            seen[topic] += 1
            wait = driver.warnings if topic == topics.TASK_SLA_WARNING else driver.overdue
            event = (await wait(task_id, count=seen[topic]))[-1]
            assert event.data["recipients"] == recipients, when
            assert event.causationid == assigned.id and event.correlationid == assigned.correlationid
            if level is not None:
                assert (event.data["level"], event.data["repeat"], event.data["stage"]) == (level, repeat, "resolve")
                assert datetime.fromisoformat(event.data["scheduled_at"]) == when
                assert event.data["assignee_person_id"] == "h-1" and event.data["caught_up_levels"] == []
        assert [e.data["fraction"] for e in await driver.all_of(topics.TASK_SLA_WARNING)] == [0.5, 0.8]


async def _next_fire_is(sla, when) -> bool:  # type: ignore[no-untyped-def]
    return sla.monitor.schedule.next_fire() == when


async def test_urgent_on_site_runs_around_the_clock_and_stops_at_check_in(sla_settings, driver, clock, mongo) -> None:  # type: ignore[no-untyped-def]
    night = local(2026, 12, 5, 23, 0)  # Saturday night
    clock.set(night)
    async with serve(sla_settings(escalation_step_seconds=None), clock):
        await org(driver, night)
        urgent = new_id()
        await assign_v2(driver, urgent, night, night + timedelta(hours=2), urgency="urgent")
        await driver.armed(urgent, stage="onsite")
        clock.set(night + timedelta(hours=2))  # Sunday 01:00: the weekend does not stop an urgent clock
        (breach,) = await driver.overdue(urgent)
        assert breach.data["stage"] == "onsite" and breach.data["recipients"] == ["h-1", "night-sup"]
        await lifecycle(
            driver,
            topics.TASK_ON_SITE,
            lc.TaskOnSite,
            urgent,
            night + timedelta(hours=2.5),
            checked_in_at=night + timedelta(hours=2.5),
        )
        await poll_until(lambda: _gone(mongo, f"{urgent}|onsite"), what="on-site clock stopped")
    assert len([e for e in await driver.all_overdue() if e.data["task_id"] == urgent]) == 1  # stopped at check-in


async def test_reopen_restarts_the_resolution_clock_as_a_new_generation(sla_settings, driver, clock, mongo) -> None:  # type: ignore[no-untyped-def]
    monday = local(2026, 12, 7, 9, 0)
    clock.set(monday)
    async with serve(sla_settings(escalation_step_seconds=None), clock):
        general = new_id()
        await assign_v2(driver, general, monday, monday + timedelta(minutes=10), category="customer_service")
        await driver.armed(general)
        await lifecycle(
            driver,
            topics.TASK_RESOLVED,
            lc.TaskResolved,
            general,
            monday + timedelta(minutes=5),
            handling_mode="explanation",
            result_summary="已解释",
        )
        await driver.armed(general, stage="return_visit")
        await lifecycle(
            driver, topics.TASK_REOPENED, lc.TaskReopened, general, monday + timedelta(minutes=20), reason="业主不满意"
        )
        await poll_until(lambda: _generation(mongo, f"{general}|resolve", 1), what="resolution clock restarted")
        assert await _gone(mongo, f"{general}|return_visit")
        clock.set(monday + timedelta(minutes=25))  # half of the full 10 minutes again, from the reopen
        (warning,) = await driver.warnings(general)
        assert datetime.fromisoformat(warning.data["deadline"]) == monday + timedelta(minutes=30)
        clock.set(monday + timedelta(minutes=30))
        (again,) = await driver.overdue(general)
        assert again.data["deadline"] == warning.data["deadline"] and again.data["level"] == 1
    results = [r async for r in mongo.collection("clock_results").find({"item_id": general})]
    assert {(r["stage"], r["outcome"]) for r in results} == {("resolve", "met"), ("return_visit", "void")}


async def _gone(mongo, key: str) -> bool:  # type: ignore[no-untyped-def]
    return await mongo.collection("armed").find_one({"_id": key}) is None


async def _generation(mongo, key: str, generation: int) -> bool:  # type: ignore[no-untyped-def]
    doc = await mongo.collection("armed").find_one({"_id": key})
    return doc is not None and doc["g"] == generation


async def test_a_restart_between_warning_and_breach_sends_exactly_one_breach(sla_settings, driver, clock) -> None:  # type: ignore[no-untyped-def]
    start = local(2026, 12, 1, 10, 0)
    clock.set(start)
    settings = sla_settings(escalation_step_seconds=None)
    task_id = new_id()
    async with serve(settings, clock):
        await assign_v2(driver, task_id, start, start + timedelta(minutes=10), category="customer_service")
        await driver.armed(task_id)
        clock.set(start + timedelta(minutes=6))
        await driver.warnings(task_id)  # 50 %
    clock.set(start + timedelta(minutes=12))  # the 80 % warning and the breach fall due while it is down
    async with serve(settings, clock):
        (breach,) = await driver.overdue(task_id)
        assert breach.data["scheduled_at"].startswith("2026-12-01T02:10:00")  # its real time
    async with serve(settings, clock) as sla:
        await poll_until(lambda: _index(sla, f"{task_id}|resolve", 3), what="the breach recognised as sent")
        assert await sla.monitor.fire_due() == 0
    assert [e.data["fraction"] for e in await driver.all_of(topics.TASK_SLA_WARNING)] == [0.5]
    assert len([e for e in await driver.all_overdue() if e.data["task_id"] == task_id]) == 1


async def _index(sla, key: str, index: int) -> bool:  # type: ignore[no-untyped-def]
    return sla.monitor.schedule.index_of(key) == index


async def test_a_pause_over_labour_day_and_the_grade_clocks_of_a_complaint(sla_settings, driver, clock, mongo) -> None:  # type: ignore[no-untyped-def]
    start = local(2026, 4, 30, 10, 0)
    clock.set(start)
    async with serve(sla_settings(escalation_step_seconds=None), clock):
        task_id = new_id()
        await assign_v2(driver, task_id, start, local(2026, 5, 9), category="customer_service")
        await driver.armed(task_id)
        await lifecycle(driver, topics.TASK_PAUSED, lc.TaskPaused, task_id, local(2026, 4, 30, 16, 0), reason="parts")
        await lifecycle(driver, topics.TASK_RESUMED, lc.TaskResumed, task_id, local(2026, 5, 6, 10, 0))
        await poll_until(lambda: _due(mongo, f"{task_id}|resolve", local(2026, 5, 9, 18, 0)), what="deadline moved")
        cid = "c-" + new_id()
        await received_and_triaged(driver, cid, start, "major")
        await poll_until(lambda: _due(mongo, f"{cid}|reply", start + timedelta(hours=2)), what="major: reply in 2 h")
        await poll_until(lambda: _due(mongo, f"{cid}|acknowledge", start + timedelta(hours=24)), what="ack promise")
        clock.set(start + timedelta(hours=2))
        (late,) = await driver.overdue(cid)
        assert (late.data["item"], late.data["stage"], late.subject) == ("complaint", "reply", cid)


async def _due(mongo, key: str, due) -> bool:  # type: ignore[no-untyped-def]
    doc = await mongo.collection("armed").find_one({"_id": key})
    return doc is not None and doc["d"] == due
