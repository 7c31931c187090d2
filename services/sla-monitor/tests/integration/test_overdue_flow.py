"""Armed deadlines fire exactly once per level on the real engines, driven by a manual clock:
arm → due → one task.overdue; a restart between arming and the deadline; completion and
cancellation disarm; the durable store holds nothing but what is pending."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sla_harness import START, STEP, new_id, serve

from pm_common.testing import poll_until

pytestmark = pytest.mark.integration


async def test_arm_then_due_emits_exactly_one_overdue_per_level(sla_settings, driver, clock, mongo) -> None:  # type: ignore[no-untyped-def]
    settings = sla_settings()
    async with serve(settings, clock) as sla:
        first, control = new_id(), new_id()
        task = await driver.assign(first, START + timedelta(minutes=10))
        await driver.assign(first, START + timedelta(minutes=10))  # redelivered
        await driver.armed(first)
        clock.advance(timedelta(minutes=10))
        event = (await driver.overdue(first))[0]
        assert event.subject == first and event.complaintid == task.complaint_id and event.data["escalation_level"] == 1
        assert event.data["escalate_to"] == "handler" and event.data["due_at"].startswith("2026-12-01T09:10:00")
        # nothing more until the next level: a later timer fires first, and the first still has one event
        await driver.assign(control, START + timedelta(minutes=20))
        await driver.armed(control)
        clock.advance(timedelta(minutes=10))
        await driver.overdue(control)
        assert len([e for e in await driver.all_overdue() if e.data["task_id"] == first]) == 1
        clock.advance(STEP)
        second = await driver.overdue(first, count=2)
        assert [e.data["escalation_level"] for e in second] == [1, 2] and len({e.id for e in second}) == 2
        async with sla.client() as client:
            state = (await client.get(f"/v1/timers/{first}")).json()
            assert (state["state"], state["stage"]) == ("running", "resolve")
            assert state["next_at"].startswith("2026-12-01T11:10:00")  # level 3
            missing = await client.get("/v1/timers/nope")
            assert missing.status_code == 404 and missing.json()["error"]["message"] == "未找到该任务的时限记录"

        async def swept() -> bool:
            return await mongo.collection("overdue_outbox").count_documents({}) == 0

        await poll_until(swept, what="published outbox documents deleted")


async def test_restart_between_arming_and_deadline_emits_exactly_one(sla_settings, driver, clock) -> None:  # type: ignore[no-untyped-def]
    settings = sla_settings()
    task_id, later = new_id(), new_id()
    async with serve(settings, clock):
        await driver.assign(task_id, START + timedelta(minutes=5))
        await driver.armed(task_id)
    clock.advance(timedelta(minutes=6))  # due while the service is down
    async with serve(settings, clock):
        await driver.overdue(task_id)
        await driver.assign(later, START + timedelta(minutes=8))
        await driver.armed(later)
    async with serve(settings, clock) as sla:  # restart after firing: level 1 is found claimed, not fired again
        await poll_until(lambda: _at_index(sla.monitor, task_id, 3), what="level 1 recognised as fired")
        clock.advance(timedelta(minutes=3))
        await driver.overdue(later)
        assert await sla.monitor.fire_due() == 0
    events = [e.data["task_id"] for e in await driver.all_overdue()]
    assert events.count(task_id) == 1 and events.count(later) == 1


async def test_completed_and_cancelled_tasks_never_go_overdue(sla_settings, driver, clock, mongo) -> None:  # type: ignore[no-untyped-def]
    done, cancelled, early_cancel, control = new_id(), new_id(), new_id(), new_id()
    async with serve(sla_settings(), clock) as sla:
        for task_id in (done, cancelled, control):
            await driver.assign(task_id, START + timedelta(minutes=5))
        await driver.cancel(early_cancel)  # the cancellation overtakes the assignment
        await driver.armed(done, cancelled, control)
        await driver.stopped(early_cancel)
        await driver.assign(early_cancel, START + timedelta(minutes=5))
        await driver.complete(done)
        await driver.cancel(cancelled)
        await driver.stopped(done, cancelled)

        async def disarmed() -> bool:
            pointers = {d["_id"] async for d in mongo.collection("armed").find({})}
            # the completed task's return visit (回访, 3 working days) starts; nothing else of the others runs
            expected = {f"{control}|resolve", f"{done}|return_visit"}
            return pointers == expected and f"{done}|resolve" not in sla.monitor.schedule

        await poll_until(disarmed, what="only the control timer and the return visit armed")
        clock.advance(timedelta(minutes=5))
        await driver.overdue(control)
        for level in range(2, 5):  # every level of the control timer …
            clock.advance(STEP)
            await driver.overdue(control, count=level)
        clock.advance(6 * STEP)  # a jump (as after downtime): one reminder, not six
        events = await driver.overdue(control, count=5)
        assert [(e.data["level"], e.data["repeat"]) for e in events] == [(1, 0), (2, 0), (3, 0), (4, 0), (4, 6)]
        assert {e.data["task_id"] for e in await driver.all_overdue()} == {control}  # … and nothing else
        async with sla.client() as client:
            state = (await client.get(f"/v1/timers/{cancelled}")).json()
            assert (state["state"], state["stop_reason"], state["outcome"]) == ("stopped", "cancelled", "void")
            assert (await client.get(f"/v1/timers/{done}")).json()["outcome"] == "met"
            control_state = (await client.get(f"/v1/timers/{control}")).json()
            assert control_state["state"] == "running" and control_state["next_at"] is not None  # reminders go on


async def _at_index(monitor, task_id: str, index: int) -> bool:  # type: ignore[no-untyped-def]
    return monitor.schedule.index_of(f"{task_id}|resolve") == index  # 2 warnings, then level 1, 2, …
