"""Survey and return visit (回访) after verification: the owner link (H5) and the SMS reply, the
return-visit task with its deadline, satisfied / dissatisfied / no response, and a second round."""

from __future__ import annotations

from datetime import timedelta

import pytest
from factory import assigned, cid, resolved, roster, verified
from notifier_rig import Rig

from pm_common import topics
from pm_common.calendar import add_working_days
from pm_common.testing import poll_until
from pm_notifier.localsink.directory import Directory

pytestmark = pytest.mark.integration


async def _followup(rig: Rig, c: str, rounds: int = 1) -> dict:  # type: ignore[type-arg]
    async def check() -> dict | None:  # type: ignore[type-arg]
        doc = await rig.ports.followups.get(c)
        return doc if doc and len(doc["rounds"]) >= rounds else None

    return await poll_until(check, what=f"follow-up round {rounds}")


async def test_survey_by_link_and_return_visit_recorded_by_customer_service(rig: Rig, directory: Directory) -> None:
    directory.person("cs-1", pager="PG-CS")
    await rig.publish(topics.ORG_CHANGED, roster(1, customer_service=["cs-1"]))
    await poll_until(lambda: rig.ports.rosters.get("SUNNY"), what="roster")
    c = cid()
    directory.owner(c, phone="13811110001")
    await rig.publish(topics.TASK_ASSIGNED, assigned(c))
    started = rig.clock.now()
    await rig.publish(topics.TASK_VERIFIED, verified(c))
    invitation = (await rig.settled(c, 1, "survey_invitation"))[0]
    task = (await rig.settled(c, 1, "return_visit_task"))[0]
    assert invitation["channel"] == "sms" and task["recipient"]["ref"] == "cs-1" and task["channel"] == "pager"
    rnd = (await _followup(rig, c))["rounds"][0]
    assert rnd["sampled"] is True  # 100 % by default
    due = add_working_days(started, 3, "Asia/Shanghai").due
    assert abs(rnd["visit_due_at"] - due) < timedelta(minutes=1)
    sms = next(m for m in rig.sink_messages("sms") if m["recipient"] == "13811110001")
    link = sms["text"].split("：", 1)[1].split(" ")[0]
    assert link.startswith(rig.url + "/h5/survey/")
    async with rig.client("cs-1", "front_desk") as client:
        listed = (await client.get("/v1/return-visits")).json()
        assert [r["complaint_id"] for r in listed] == [c] and listed[0]["visit_due_at"]
        page = await client.get(link)
        assert page.status_code == 200 and "满意度" in page.text
        answered = await client.post(link, content="score=5&comment=%E5%BE%88%E5%A5%BD")
        assert answered.status_code == 200 and "感谢" in answered.text
        again = await client.post(link, content="score=1")
        assert again.status_code == 409
        survey = (await rig.probe.wait_for(topics.SURVEY_ANSWERED, lambda e: e.subject == c))[0]
        assert survey.data["score"] == 5 and survey.data["satisfied"] and survey.data["comment"] == "很好"
        recorded = await client.post(f"/v1/return-visits/{c}", json={"outcome": "satisfied", "note": "电话回访满意"})
        assert recorded.status_code == 200, recorded.text
        twice = await client.post(f"/v1/return-visits/{c}", json={"outcome": "dissatisfied"})
        assert twice.status_code == 409 and twice.json()["error"]["code"] == "already_recorded"
        detail = (await client.get(f"/v1/complaints/{c}/followup")).json()
    visit = (await rig.probe.wait_for(topics.RETURN_VISIT_RECORDED, lambda e: e.subject == c))[0]
    assert visit.data["outcome"] == "satisfied" and visit.data["task_id"] == f"T-{c}"
    assert visit.correlationid == survey.correlationid
    assert detail["rounds"][0]["recorded_by"] == "cs-1"
    assert await rig.ports.delivery.timers.pending("no_response") == []


async def test_unsampled_sms_reply_dissatisfied_then_a_second_round(rig: Rig, directory: Directory) -> None:
    async with rig.client("sup-1", "supervisor") as client:
        r = await client.put("/v1/estates/SUNNY/notifier-settings", json={"followup": {"rate": 0.0}})
        assert r.status_code == 200, r.text
    c = cid()
    directory.owner(c, phone="13811110002")
    await rig.publish(topics.TASK_VERIFIED, verified(c))
    invitation = (await rig.settled(c, 1, "survey_invitation"))[0]
    assert not [d for d in await rig.notifications(c) if d["template"] == "return_visit_task"]
    async with rig.client("gw-sms", "integration") as gateway:
        reply = await gateway.post(
            "/internal/v1/sms/inbound", json={"reply_to": invitation["provider_message_id"], "text": "2 还是有异响"}
        )
    assert reply.status_code == 200, reply.text
    visit = (await rig.probe.wait_for(topics.RETURN_VISIT_RECORDED, lambda e: e.subject == c))[0]
    assert visit.data["outcome"] == "dissatisfied" and visit.data["note"] == "还是有异响"
    survey = (await rig.probe.wait_for(topics.SURVEY_ANSWERED, lambda e: e.subject == c))[0]
    assert survey.data["satisfied"] is False
    # dispatch reopens, the handler resolves again, the supervisor verifies again: a new round
    await rig.publish(topics.TASK_VERIFIED, verified(c))
    doc = await _followup(rig, c, rounds=2)
    assert doc["rounds"][1]["outcome"] is None and doc["rounds"][0]["outcome"] == "dissatisfied"
    await rig.settled(c, 2, "survey_invitation")


async def test_no_answer_within_n_days_is_no_response(rig: Rig, directory: Directory) -> None:
    c = cid()
    directory.owner(c, phone="13811110003")
    await rig.publish(topics.TASK_VERIFIED, verified(c))
    await rig.settled(c, 1, "survey_invitation")
    rig.clock.advance(timedelta(days=6))
    rig.clock.advance(timedelta(days=1, hours=1))  # 7 days (the default) have passed
    visit = (await rig.probe.wait_for(topics.RETURN_VISIT_RECORDED, lambda e: e.subject == c))[0]
    assert visit.data["outcome"] == "no_response"
    assert not [e for t, e, _ in rig.probe.events if t == topics.SURVEY_ANSWERED and e.subject == c]


async def test_estates_without_verification_survey_on_resolution(rig: Rig, directory: Directory) -> None:
    async with rig.client("sup-1", "supervisor") as client:
        r = await client.put("/v1/estates/SUNNY/notifier-settings", json={"skip_verification": True})
        assert r.status_code == 200
        bad = await client.put(
            "/v1/estates/SUNNY/notifier-settings", json={"templates": {"result": {"zh": "结果：{nonsense}"}}}
        )
        assert bad.status_code == 422 and bad.json()["error"]["code"] == "invalid_template"
    c = cid()
    directory.owner(c, phone="13811110004")
    await rig.publish(topics.TASK_RESOLVED, resolved(c))
    templates = {d["template"] for d in await rig.settled(c, 2)}
    assert templates == {"result", "survey_invitation"}
