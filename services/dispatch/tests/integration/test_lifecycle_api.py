"""The handling lifecycle through the real API and the real broker: sheet from intake's and triage's
events (either order), who may act, every step's event on its topic, 409s with zh-CN/en reasons,
closure by the owner's survey, and idempotent redelivery of every consumed event."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from dispatch_fakes import received, triaged

from conftest import Dispatch
from pm_common import topics
from pm_common.events import SurveyAnswered
from pm_common.events.notify import ReturnVisitRecorded
from pm_common.testing import poll_until

pytestmark = pytest.mark.integration


def cid() -> str:
    return uuid.uuid4().hex


async def test_a_repair_from_sheet_to_closed(dispatch: Dispatch) -> None:
    c, now = cid(), datetime.now(UTC)
    tid = f"T-{c}"
    tri_env = triaged(c, category="engineering", at=now)[0]
    rec_env = received(c, content="厨房水管漏水，地面都湿了", at=now)[0]
    await dispatch.publisher.publish(topics.COMPLAINT_TRIAGED, tri_env)  # triage's decision overtakes intake's event
    await dispatch.publisher.publish(topics.COMPLAINT_RECEIVED, rec_env)
    await dispatch.publisher.publish(topics.COMPLAINT_TRIAGED, tri_env)  # redelivered

    async def with_content() -> dict | None:  # type: ignore[type-arg]
        task = await dispatch.task(tid, "assigned")
        return task if task["content"] else None

    sheet = await poll_until(with_content, what="the sheet with content and decision")
    assert sheet["location"]["building"] == "3" and sheet["owner_contact_masked"] == "138****1234"
    assert sheet["assignee"]["kind"] == "team" and sheet["assignee"]["department"] == "engineering"

    async with (
        dispatch.client("supervisor", "sup-1") as sup,
        dispatch.client("handler", "eng-7") as eng,
        dispatch.client("handler", "eng-8") as other,
        dispatch.client("front_desk", "desk-1") as desk,
        dispatch.client("leadership", "boss", ("*",)) as boss,
    ):
        assert (await eng.get(f"/v1/tasks/{tid}")).status_code == 404  # not theirs (yet)
        body = {
            "reason": "指派王师傅",
            "assignee": {"kind": "person", "department": "engineering", "person_id": "eng-7"},
        }
        response = await sup.post(f"/v1/tasks/{tid}/reassign", json=body)
        assert response.status_code == 200, response.text
        assert (await other.post(f"/v1/tasks/{tid}/accept")).status_code == 403
        assert (await boss.post(f"/v1/tasks/{tid}/accept")).status_code == 403
        assert (await desk.post(f"/v1/tasks/{tid}/accept")).status_code == 403
        early = await eng.post(f"/v1/tasks/{tid}/check-in", json={})
        assert early.status_code == 409
        error = early.json()["error"]
        assert (
            error["code"] == "illegal_transition"
            and "不能到场签到" in error["message"]
            and "check in" in error["message_en"]
        )
        assert (await eng.post(f"/v1/tasks/{tid}/accept")).json()["status"] == "accepted"
        visit = (now + timedelta(hours=3)).isoformat()
        assert (await eng.post(f"/v1/tasks/{tid}/appointment", json={"visit_at": visit})).status_code == 200
        refused = await eng.post(
            f"/v1/tasks/{tid}/resolve", json={"handling_mode": "rectification", "result_summary": "已修好"}
        )
        assert refused.status_code == 409 and refused.json()["error"]["rule"] == "check_in_required"
        assert (await eng.post(f"/v1/tasks/{tid}/check-in", json={"evidence_ids": ["ev-arrive"]})).status_code == 200
        note = {"kind": "progress", "text_zh": "已到场，正在更换水管接头", "text_en": "On site"}
        assert (await eng.post(f"/v1/tasks/{tid}/notes", json=note)).status_code == 201
        internal = {"kind": "internal", "text_zh": "业主情绪激动，注意沟通"}
        assert (await eng.post(f"/v1/tasks/{tid}/notes", json=internal)).status_code == 201
        unsigned = await eng.post(
            f"/v1/tasks/{tid}/resolve", json={"handling_mode": "rectification", "result_summary": "已更换接头"}
        )
        assert unsigned.status_code == 409 and unsigned.json()["error"]["rule"] == "owner_confirmation_required"
        resolve = {
            "handling_mode": "rectification",
            "result_summary": "已更换水管接头，试水无渗漏",
            "evidence_ids": ["ev-done"],
            "owner_confirmation_ref": "SIGN-001",
        }
        assert (await eng.post(f"/v1/tasks/{tid}/resolve", json=resolve)).json()["status"] == "resolved"
        assert (await eng.post(f"/v1/tasks/{tid}/verify", json={})).status_code == 403  # customer service verifies
        assert (await desk.post(f"/v1/tasks/{tid}/verify", json={"note": "电话确认"})).json()["status"] == "verified"
        log = (await boss.get(f"/v1/tasks/{tid}/log")).json()
        assert [e["action"] for e in log] == [
            "assigned",
            "reassigned",
            "accepted",
            "appointment_set",
            "on_site",
            "note_progress",
            "note_internal",
            "resolved",
            "verified",
        ]
        owner_notes = (await boss.get(f"/v1/tasks/{tid}/notes", params={"visibility": "owner"})).json()
        assert [n["text_zh"] for n in owner_notes] == ["已到场，正在更换水管接头"]

    # a satisfied survey answer is logged; the round's outcome (the return visit) closes the task
    survey = SurveyAnswered(complaint_id=c, estate_id="SUNNY", score=5, satisfied=True, answered_at=datetime.now(UTC))
    env = await dispatch.publish(topics.SURVEY_ANSWERED, survey, source="pm/notifier")
    await dispatch.publisher.publish(topics.SURVEY_ANSWERED, env)  # redelivered

    async def survey_logged() -> list[str] | None:
        async with dispatch.client("supervisor", "sup-1") as boss:
            actions = [entry["action"] for entry in (await boss.get(f"/v1/tasks/{tid}/log")).json()]
        return actions if "survey_answered" in actions else None

    logged = await poll_until(survey_logged, what="the survey answer in the work log")
    assert logged.count("survey_answered") == 1 and (await dispatch.task(tid))["status"] == "verified"
    at = datetime.now(UTC)
    visit = ReturnVisitRecorded(complaint_id=c, estate_id="SUNNY", task_id=tid, outcome="satisfied", at=at)
    venv = await dispatch.publish(topics.RETURN_VISIT_RECORDED, visit, source="pm/notifier")
    await dispatch.publisher.publish(topics.RETURN_VISIT_RECORDED, venv)  # redelivered
    closed = await dispatch.task(tid, "closed")
    assert closed["closed_outcome"] == "satisfied"

    expected = [
        (topics.TASK_ASSIGNED, 2),
        (topics.TASK_ACCEPTED, 1),
        (topics.TASK_APPOINTMENT_SET, 1),
        (topics.TASK_ON_SITE, 1),
        (topics.TASK_PROGRESS_NOTED, 1),
        (topics.TASK_RESOLVED, 1),
        (topics.TASK_VERIFIED, 1),
        (topics.TASK_CLOSED, 1),
    ]
    for topic, count in expected:
        found = await dispatch.probe.wait_for(topic, lambda e: e.subject == tid, count=count)
        assert len({e.id for e in found}) == count, topic
    progress = (await dispatch.events(topics.TASK_PROGRESS_NOTED, tid))[0]
    assert progress.data["note_zh"] == "已到场，正在更换水管接头" and "业主情绪" not in progress.model_dump_json()
    assigned = await dispatch.events(topics.TASK_ASSIGNED, tid)
    assert assigned[0].causationid == tri_env.id and assigned[-1].data["assignee"]["person_id"] == "eng-7"
    assert assigned[-1].data["reassigned"] is True and assigned[-1].data["actor_id"] == "sup-1"
    assert await dispatch.events(topics.TASK_COMPLETED) == []  # replaced by task.resolved


async def test_return_reroutes_and_dissatisfied_owner_reopens(dispatch: Dispatch) -> None:
    c, now = cid(), datetime.now(UTC)
    tid = f"T-{c}"
    await dispatch.publisher.publish(topics.COMPLAINT_TRIAGED, triaged(c, category="customer_service", at=now)[0])
    await dispatch.task(tid, "assigned")
    async with dispatch.client("supervisor", "sup-1") as sup, dispatch.client("handler", "cs-1") as cs:
        body = {
            "reason": "客服小李",
            "assignee": {"kind": "person", "department": "customer_service", "person_id": "cs-1"},
        }
        await sup.post(f"/v1/tasks/{tid}/reassign", json=body)
        returned = await cs.post(f"/v1/tasks/{tid}/return", json={"reason_code": "not_ours", "note": "属于街道办职责"})
        assert returned.status_code == 200 and returned.json()["assignee"]["person_id"] is None
        assert (await cs.get(f"/v1/tasks/{tid}")).status_code == 404  # no longer theirs
        await sup.post(f"/v1/tasks/{tid}/accept")
        await sup.post(
            f"/v1/tasks/{tid}/resolve", json={"handling_mode": "explanation", "result_summary": "已向业主解释"}
        )
    survey = SurveyAnswered(
        complaint_id=c, estate_id="SUNNY", score=1, satisfied=False, comment="没解决", answered_at=datetime.now(UTC)
    )
    await dispatch.publish(topics.SURVEY_ANSWERED, survey, source="pm/notifier")
    reopened = await dispatch.task(tid, "assigned", timeout=30)
    assert reopened["reopen_count"] == 1 and reopened["resolution"] is None
    returned_event = (await dispatch.probe.wait_for(topics.TASK_RETURNED, lambda e: e.subject == tid))[0]
    assert returned_event.data["reason_code"] == "not_ours" and returned_event.data["note"] == "属于街道办职责"
    reopen = (await dispatch.probe.wait_for(topics.TASK_REOPENED, lambda e: e.subject == tid))[0]
    assert "没解决" in reopen.data["reason"]
    await dispatch.probe.wait_for(
        topics.TASK_ASSIGNED, lambda e: e.subject == tid, count=4
    )  # create, manual, return, reopen
