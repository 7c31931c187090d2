"""task.cancelled v2 (issue #10): the timer of a cancelled task stops whatever the cancel reason is
(a withdrawal, a duplicate, an invalid item, a merge into a group incident, a supervisor's other reason)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sla_harness import START, new_id, serve

from pm_common import topics
from pm_common.events import TaskCancelled
from pm_common.testing import poll_until

pytestmark = pytest.mark.integration
REASONS = ("withdrawn", "duplicate", "invalid", "merged_into_incident", "supervisor_other")


async def test_every_cancel_reason_stops_the_timer(sla_settings, driver, clock, mongo) -> None:  # type: ignore[no-untyped-def]
    ids = {reason: new_id() for reason in REASONS}
    control = new_id()
    async with serve(sla_settings(), clock) as sla:
        for task_id in (*ids.values(), control):
            await driver.assign(task_id, START + timedelta(minutes=5))
        await driver.armed(*ids.values(), control)
        for reason, task_id in ids.items():
            cancelled = TaskCancelled(
                task_id=task_id,
                complaint_id="c-" + task_id,
                estate_id="SUNNY",
                reason="withdrawn",
                note="重复登记" if reason == "duplicate" else None,
                cancelled_at=START,
                cancel_reason=reason,  # type: ignore[arg-type]
                actor_id="sup-1",
            )
            await driver.publish(topics.TASK_CANCELLED, cancelled)
        await driver.stopped(*ids.values())

        async def disarmed() -> bool:
            pointers = {d["_id"] async for d in mongo.collection("armed").find({})}
            return pointers == {f"{control}|resolve"}

        await poll_until(disarmed, what="only the control timer armed")
        clock.advance(timedelta(minutes=5))
        await driver.overdue(control)
        assert {e.data["task_id"] for e in await driver.all_overdue()} == {control}
        async with sla.client() as client:
            for task_id in ids.values():
                state = (await client.get(f"/v1/timers/{task_id}")).json()
                assert (state["state"], state["stop_reason"], state["outcome"]) == ("stopped", "cancelled", "void")
