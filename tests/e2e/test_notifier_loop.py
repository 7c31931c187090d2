"""The owner loop on the whole stack, from intake to archived: intake → triage → dispatch → notifier,
the owners' messages really delivered (SMS through the local sink; the anonymous owner's through the
tracking-token inbox read in intake's owner view), contacts looked up from intake (audited), the survey
answered through the owner link, and the loop closed:

- satisfied (a phone owner, link from the SMS): dispatch closes the task (``task.closed``), intake
  shows the item closed and archived with its whole trail (registration, triage, assignment, result,
  every message, the survey answer, the return visit, the closure);
- dissatisfied (an anonymous owner, link from the inbox): dispatch reopens the task and hands it out
  again, the notifier escalates to the supervisors and schedules a supervisor's visit with its deadline;
- no response (an owner who never answers; customer service could not reach them either): closed as
  ``no_response``, which intake keeps apart from satisfied closures (``closed_outcome``). The timer
  path (no answer within N days) is the notifier's test_followup; it records the same event.
"""

from __future__ import annotations

import asyncio
import re
from typing import Any

import httpx
import pytest

from pm_common import topics
from pm_common.auth import issue_token
from pm_common.testing import EventProbe, poll_until

pytestmark = pytest.mark.e2e
PHONE = "13812345678"
SILENT_PHONE = "13812345679"
WATCHED = [
    topics.FEEDBACK_SENT,
    topics.SURVEY_ANSWERED,
    topics.RETURN_VISIT_RECORDED,
    topics.TASK_ASSIGNED,
    topics.TASK_CLOSED,
    topics.TASK_REOPENED,
]
RESOLVED = {"handling_mode": "rectification", "result_summary": "已更换灯泡", "owner_confirmation_ref": "s-1"}


def _bearer(stack, sub: str, role: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {"Authorization": f"Bearer {issue_token(stack.secret, sub, role, ['SUNNY'])}"}  # type: ignore[arg-type]


async def _sms(sink: httpx.AsyncClient, fragment: str) -> str | None:
    found = (await sink.get("/api/messages", params={"channel": "sms", "recipient": PHONE})).json()["messages"]
    return next((m["text"] for m in found if fragment in m["text"]), None)


async def _inbox(intake: httpx.AsyncClient, cid: str, owner: dict[str, str], template: str) -> dict[str, Any] | None:
    """The anonymous owner's view by tracking token: the message from ``template`` once delivered."""
    item = (await intake.get(f"/v1/owner/complaints/{cid}", headers=owner)).json()
    return next((m for m in item["inbox"] if m["template"] == template), None)


async def _work(dispatch: httpx.AsyncClient, task_id: str) -> None:
    for step, body in (("accept", None), ("check-in", {"evidence_ids": []}), ("resolve", RESOLVED)):
        done = await dispatch.post(f"/v1/tasks/{task_id}/{step}", json=body)  # a supervisor of the estate may act
        assert done.status_code == 200, (step, done.text)


async def _answer(link: str, score: int, comment: str) -> None:
    async with httpx.AsyncClient() as owner:
        assert "满意度" in (await owner.get(link)).text
        answered = await owner.post(link, data={"score": str(score), "comment": comment})
    assert answered.status_code == 200, answered.text


async def test_complaints_from_intake_to_archived_or_reopened(engines, topic_prefix, stack_factory) -> None:  # type: ignore[no-untyped-def]
    stack = stack_factory(engines, topic_prefix)
    stack.start()
    await asyncio.to_thread(stack.wait_healthy)
    async with (
        EventProbe(engines.kafka_bootstrap, topic_prefix, WATCHED) as probe,
        httpx.AsyncClient(base_url=stack.url("intake"), headers=_bearer(stack, "desk-1", "front_desk")) as intake,
        httpx.AsyncClient(base_url=stack.url("notifier"), headers=_bearer(stack, "sup-1", "supervisor")) as notifier,
        httpx.AsyncClient(base_url=stack.url("dispatch"), headers=_bearer(stack, "sup-1", "supervisor")) as dispatch,
        httpx.AsyncClient(base_url=stack.sink_url) as sink,
    ):
        settings = await notifier.put("/v1/estates/SUNNY/notifier-settings", json={"skip_verification": True})
        assert settings.status_code == 200, settings.text
        admin = _bearer(stack, "admin-1", "admin")
        gateway = {"name": "微信网关", "channels": ["anonymous"], "estates": ["SUNNY"]}
        key = await intake.post("/v1/admin/integrations", json=gateway, headers=admin)
        assert key.status_code == 201, key.text
        filed = await intake.post(
            "/v1/complaints",
            json={
                "estate_id": "SUNNY",
                "channel": "phone",
                "content": "5号楼门口的路灯坏了好几天了",
                "owner": {"name": "李四", "phone": PHONE},
            },
        )
        assert filed.status_code == 201, filed.text
        async with httpx.AsyncClient(base_url=stack.url("intake")) as public:  # a gateway, then the owner
            anonymous = await public.post(
                "/v1/complaints",
                json={"estate_id": "SUNNY", "channel": "anonymous", "content": "8号楼地下车库的灯一直不亮"},
                headers={"X-Api-Key": key.json()["api_key"]},
            )
            assert anonymous.status_code == 201, anonymous.text
            tracking = anonymous.json()["tracking_token"]
            session = await public.post("/v1/owner/session", json={"tracking_token": tracking})
            assert session.status_code == 200, session.text
        silent = await intake.post(
            "/v1/complaints",
            json={
                "estate_id": "SUNNY",
                "channel": "phone",
                "content": "12号楼电梯按钮失灵",
                "owner": {"name": "王五", "phone": SILENT_PHONE},
            },
        )
        assert silent.status_code == 201, silent.text
        silent_cid = silent.json()["complaint_id"]
        cid, reference = filed.json()["complaint_id"], filed.json()["reference_no"]
        anon_cid = anonymous.json()["complaint_id"]
        owner = {"Authorization": f"Bearer {session.json()['token']}"}

        ack = await poll_until(lambda: _sms(sink, reference), timeout=90, what="the acknowledgement SMS")
        assert "阳光花园" in ack and "前与您联系" in ack  # the estate's name and intake's promise
        anon_ack = await poll_until(lambda: _inbox(intake, anon_cid, owner, "acknowledgement"), timeout=90)
        assert anonymous.json()["reference_no"] in anon_ack["message_zh"] and anon_ack["message_en"]

        for c in (cid, anon_cid, silent_cid):
            assigned = (await probe.wait_for(topics.TASK_ASSIGNED, lambda e, c=c: e.complaintid == c, timeout=90))[0]
            await _work(dispatch, assigned.data["task_id"])

        # satisfied: the phone owner answers through the link in the survey SMS
        survey_sms = await poll_until(lambda: _sms(sink, "/h5/survey/"), timeout=90, what="the survey SMS")
        link = re.search(r"(http://\S+/h5/survey/\S+)", survey_sms)
        assert link is not None and await _sms(sink, "已更换灯泡")
        await _answer(link.group(1), 4, "还不错")
        survey = (await probe.wait_for(topics.SURVEY_ANSWERED, lambda e: e.subject == cid, timeout=60))[0]
        assert survey.data["score"] == 4 and survey.data["satisfied"]
        # the round is sampled (100 % by default): the customer-service return visit closes it
        visit = await notifier.post(f"/v1/return-visits/{cid}", json={"outcome": "satisfied", "note": "电话回访满意"})
        assert visit.status_code == 200, visit.text
        recorded = (await probe.wait_for(topics.RETURN_VISIT_RECORDED, lambda e: e.subject == cid, timeout=60))[0]
        assert recorded.data["outcome"] == "satisfied"
        closed = (await probe.wait_for(topics.TASK_CLOSED, lambda e: e.complaintid == cid, timeout=60))[0]
        assert closed.data["outcome"] == "satisfied" and closed.causationid == recorded.id
        assert not [e for t, e, _ in probe.events if t == topics.TASK_CLOSED and e.causationid == survey.id]

        async def archived() -> dict[str, Any] | None:
            item = (await intake.get(f"/v1/complaints/{cid}")).json()
            kinds = [t["kind"] for t in item["timeline"]]
            return item if item["status"] == "closed" and "return_visit" in kinds else None

        item = await poll_until(archived, timeout=60, what="the item closed and archived with its trail at intake")
        kinds = [t["kind"] for t in item["timeline"]]
        assert item["archived_at"] and item["closed_outcome"] == "satisfied" and item["registration"]["content"]
        for kind in ("triaged", "assigned", "result", "feedback", "survey", "closed", "return_visit"):
            assert kind in kinds, (kind, kinds)
        assert kinds.index("survey") < kinds.index("closed")
        assert sum(k == "feedback" for k in kinds) >= 3  # acknowledgement, result, survey invitation
        sent = [e for t, e, _ in probe.events if t == topics.FEEDBACK_SENT and e.complaintid == cid]
        assert {e.data["template"] for e in sent} >= {"acknowledgement", "result", "survey_invitation"}
        assert all(PHONE not in e.model_dump_json() for e in sent)
        listed = (await notifier.get(f"/v1/complaints/{cid}/notifications")).json()
        assert all(n["status"] in ("sent", "delivered") for n in listed if n["recipient"]["kind"] == "owner")
        supervisor = _bearer(stack, "sup-1", "supervisor")
        audit = (await intake.get(f"/v1/complaints/{cid}/audit", headers=supervisor)).json()
        lookups = [a for a in audit if a["action"] == "contact_lookup"]
        assert lookups and all(a["actor"] == "service:notifier" and a["reason"].startswith("d_") for a in lookups)

        # dissatisfied: the anonymous owner finds the survey only in their tracking-token inbox
        invitation = await poll_until(lambda: _inbox(intake, anon_cid, owner, "survey_invitation"), timeout=90)
        anon_link = re.search(r"(http://\S+/h5/survey/\S+)", invitation["message_zh"])
        assert anon_link is not None
        await _answer(anon_link.group(1), 2, "灯还是不亮")
        reopened = (await probe.wait_for(topics.TASK_REOPENED, lambda e: e.complaintid == anon_cid, timeout=60))[0]
        assert "灯还是不亮" in reopened.data["reason"]
        again = await probe.wait_for(topics.TASK_ASSIGNED, lambda e: e.complaintid == anon_cid, timeout=60, count=2)
        assert len(again) == 2  # handed out again

        async def escalated() -> dict[str, Any] | None:
            found = (await notifier.get(f"/v1/complaints/{anon_cid}/notifications")).json()
            return next((n for n in found if n["template"] == "supervisor_visit" and n["status"] != "queued"), None)

        escalation = await poll_until(escalated, timeout=60, what="the supervisor told of the dissatisfied owner")
        assert escalation["status"] in ("sent", "delivered") and escalation["recipient_role"] == "supervisor"
        assert "不满意升级" in escalation["message_zh"] and "上门回访" in escalation["message_zh"]
        followup = (await notifier.get(f"/v1/complaints/{anon_cid}/followup")).json()
        scheduled = followup["rounds"][0]
        assert scheduled["outcome"] == "dissatisfied" and scheduled["survey"]["score"] == 2
        assert scheduled["supervisor_visit"]["due_at"] > scheduled["supervisor_visit"]["scheduled_at"]
        mine = (await intake.get(f"/v1/owner/complaints/{anon_cid}", headers=owner)).json()
        assert mine["status"] == "in_progress" and "reopened" in [t["kind"] for t in mine["timeline"]]
        assert {"acknowledgement", "result", "survey_invitation"} <= {m["template"] for m in mine["inbox"]}
        anon_docs = (await notifier.get(f"/v1/complaints/{anon_cid}/notifications")).json()
        owner_docs = [n for n in anon_docs if n["recipient"]["kind"] == "owner"]
        assert owner_docs and all(n["channel"] == "inbox" for n in owner_docs)  # the only channel: no address
        registered = (await intake.get(f"/v1/complaints/{anon_cid}")).json()
        assert registered["registration"].get("owner") is None and "tracking_token" not in registered

        # no response: the survey goes unanswered and customer service cannot reach the owner
        async def round_open() -> bool:
            return (await notifier.get(f"/v1/complaints/{silent_cid}/followup")).status_code == 200

        await poll_until(round_open, timeout=90, what="the silent owner's follow-up round")
        silence = await notifier.post(
            f"/v1/return-visits/{silent_cid}", json={"outcome": "no_response", "note": "三次未接通"}
        )
        assert silence.status_code == 200, silence.text
        quiet = (await probe.wait_for(topics.TASK_CLOSED, lambda e: e.complaintid == silent_cid, timeout=60))[0]
        assert quiet.data["outcome"] == "no_response"

        async def closed_silently() -> dict[str, Any] | None:
            item = (await intake.get(f"/v1/complaints/{silent_cid}")).json()
            return item if item["status"] == "closed" else None

        unanswered = await poll_until(closed_silently, timeout=60, what="the unanswered item closed at intake")
        assert unanswered["closed_outcome"] == "no_response" and unanswered["archived_at"]
        assert "survey" not in [t["kind"] for t in unanswered["timeline"]]
