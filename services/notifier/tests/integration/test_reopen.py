"""A dissatisfied owner: when dispatch reopens the task the notifier escalates to the supervisor on
duty and schedules a supervisor's visit (deadline in working days), once, even when the reopen is
redelivered; a sampled round still waiting for customer service is recorded ``dissatisfied``."""

from __future__ import annotations

from datetime import timedelta

import pytest
from factory import _t, cid, roster, verified
from notifier_rig import Rig

from pm_common import topics
from pm_common.calendar import add_working_days
from pm_common.events.task_lifecycle import TaskReopened
from pm_common.testing import poll_until
from pm_notifier.localsink.directory import Directory

pytestmark = pytest.mark.integration


def reopened(c: str) -> TaskReopened:
    return TaskReopened(**{**_t(c), "actor_id": "pm/dispatch"}, reason="业主不满意 / owner dissatisfied: 还是有异响")  # type: ignore[arg-type]


async def _round(rig: Rig, c: str, key: str) -> dict:  # type: ignore[type-arg]
    async def check() -> dict | None:  # type: ignore[type-arg]
        doc = await rig.ports.followups.get(c)
        rnd = doc["rounds"][-1] if doc else {}
        return rnd if rnd.get(key) else None

    return await poll_until(check, what=f"the round's {key}")


async def test_reopen_after_a_dissatisfied_survey_escalates_and_schedules_a_supervisor_visit(
    rig: Rig, directory: Directory
) -> None:
    directory.person("sup-zhao", pager="PG-SUP")
    await rig.publish(topics.ORG_CHANGED, roster(1, supervisor=["sup-zhao"]))
    await poll_until(lambda: rig.ports.rosters.get("SUNNY"), what="roster")
    c = cid()
    directory.owner(c, phone="13811119001")
    await rig.publish(topics.TASK_VERIFIED, verified(c))
    invitation = (await rig.settled(c, 1, "survey_invitation"))[0]
    async with rig.client("gw-sms", "integration") as gateway:  # the owner replies "2" to the survey SMS
        reply = await gateway.post(
            "/internal/v1/sms/inbound", json={"reply_to": invitation["provider_message_id"], "text": "2 还是有异响"}
        )
    assert reply.status_code == 200, reply.text
    rnd = await _round(rig, c, "survey")
    assert rnd["outcome"] is None  # sampled (100 %): customer service has not called yet
    at = rig.clock.now()
    event = await rig.publish(topics.TASK_REOPENED, reopened(c))
    await rig.publisher.publish(topics.TASK_REOPENED, event)  # redelivered
    visit_round = await _round(rig, c, "supervisor_visit")
    visit = visit_round["supervisor_visit"]
    assert visit["person_id"] == "sup-zhao" and visit["cause_event_id"] == event.id
    assert abs(visit["due_at"] - add_working_days(at, 1, "Asia/Shanghai").due) < timedelta(minutes=1)
    assert visit_round["outcome"] == "dissatisfied" and visit_round["recorded_by"] == "reopened"
    recorded = (await rig.probe.wait_for(topics.RETURN_VISIT_RECORDED, lambda e: e.subject == c))[0]
    assert recorded.data["outcome"] == "dissatisfied"
    notice = (await rig.settled(c, 1, "supervisor_visit"))[0]
    assert notice["recipient"]["ref"] == "sup-zhao" and notice["channel"] == "pager"
    assert notice["status"] in ("sent", "delivered") and "上门回访" in notice["message_zh"]
    pages = [m for m in rig.sink_messages("pager") if m["recipient"] == "PG-SUP"]  # the sink's own record
    assert len(pages) == 1 and "不满意升级" in pages[0]["text"]
    await rig.publish(topics.TASK_VERIFIED, verified(c))  # handled again: the next round surveys again
    await rig.settled(c, 2, "survey_invitation")
    assert len([d for d in await rig.notifications(c) if d["template"] == "supervisor_visit"]) == 1
    assert len([m for m in rig.sink_messages("pager") if m["recipient"] == "PG-SUP"]) == 1
    # a late copy of the first reopen after round 2 started, then a new reopen (same task: same
    # partition, so handled in this order): the copy leaves round 2 alone, the new one escalates it
    await rig.publisher.publish(topics.TASK_REOPENED, event)
    fresh = await rig.publish(topics.TASK_REOPENED, reopened(c))
    second = await _round(rig, c, "supervisor_visit")
    assert second["round"] == 2 and second["supervisor_visit"]["cause_event_id"] == fresh.id
    await rig.settled(c, 2, "supervisor_visit")
    assert len([d for d in await rig.notifications(c) if d["template"] == "supervisor_visit"]) == 2


async def test_a_reopen_without_a_survey_round_schedules_nothing(rig: Rig, directory: Directory) -> None:
    c = cid()
    directory.owner(c, phone="13811119002")
    await rig.publish(topics.TASK_REOPENED, reopened(c))
    await rig.publish(topics.TASK_VERIFIED, verified(c))  # the consumer got past the reopen
    await rig.settled(c, 1, "survey_invitation")
    assert not [d for d in await rig.notifications(c) if d["template"] == "supervisor_visit"]
