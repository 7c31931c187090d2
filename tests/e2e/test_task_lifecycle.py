"""One repair and one complaint from intake to ``closed`` through the APIs, with the roles that
would really act: front desk files and verifies, the supervisor names the handler and approves the
extension, the handler works the task; the round's outcome (``return_visit.recorded``, published here
as the notifier would; the notifier's own loop is tests/e2e/test_notifier_loop.py) closes it."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from pm_common import topics
from pm_common.auth import Role, issue_token
from pm_common.events import new_event
from pm_common.events.notify import ReturnVisitRecorded
from pm_common.kafka import KafkaPublisher
from pm_common.testing import EventProbe, poll_until

pytestmark = pytest.mark.e2e


def client(stack: Any, service: str, role: Role, sub: str) -> httpx.AsyncClient:
    token = issue_token(stack.secret, sub, role, ["SUNNY"])
    return httpx.AsyncClient(base_url=stack.url(service), headers={"Authorization": f"Bearer {token}"}, timeout=20)


async def ok(response: httpx.Response, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    return body


async def file(desk: httpx.AsyncClient, content: str, **extra: Any) -> str:
    body = {
        "estate_id": "SUNNY",
        "channel": "phone",
        "content": content,
        "owner": {"name": "张三", "phone": "13812341234"},
    }
    ack = await ok(await desk.post("/v1/complaints", json={**body, **extra}), 201)
    return str(ack["complaint_id"])


async def assigned_task(sup: httpx.AsyncClient, task_id: str) -> dict[str, Any]:
    async def check() -> dict[str, Any] | None:
        response = await sup.get(f"/v1/tasks/{task_id}")
        body = response.json() if response.status_code == 200 else None
        return body if body and body["status"] == "assigned" and body["content"] else None

    return await poll_until(check, timeout=90, what=f"{task_id} assigned with its sheet")


async def closed_at_intake(desk: httpx.AsyncClient, cid: str) -> dict[str, Any]:
    async def check() -> dict[str, Any] | None:
        body = (await desk.get(f"/v1/complaints/{cid}")).json()
        return body if body["status"] == "closed" else None

    return await poll_until(check, timeout=60, what=f"complaint {cid} closed at intake")


async def timer_state(sla: httpx.AsyncClient, task_id: str, state: str) -> None:
    async def check() -> bool:
        response = await sla.get(f"/v1/timers/{task_id}")
        return response.status_code == 200 and response.json()["state"] == state

    await poll_until(check, timeout=60, what=f"the SLA clock of {task_id} {state}")


async def test_a_repair_and_a_complaint_walk_to_closed(engines, topic_prefix, stack_factory) -> None:  # type: ignore[no-untyped-def]
    stack = stack_factory(engines, topic_prefix)
    stack.start()
    await asyncio.to_thread(stack.wait_healthy)
    publisher = KafkaPublisher(engines.kafka_bootstrap, topic_prefix)
    watched = [topics.TASK_ASSIGNED, topics.TASK_RESOLVED, topics.TASK_VERIFIED, topics.TASK_CLOSED]
    async with (
        EventProbe(engines.kafka_bootstrap, topic_prefix, watched) as probe,
        client(stack, "intake", "front_desk", "desk-1") as desk,
        client(stack, "dispatch", "front_desk", "desk-1") as desk_tasks,
        client(stack, "dispatch", "supervisor", "sup-1") as sup,
        client(stack, "dispatch", "handler", "eng-1") as eng,
        client(stack, "dispatch", "handler", "cs-1") as cs,
        client(stack, "sla-monitor", "supervisor", "sup-1") as sla,
    ):
        repair_cid = await file(desk, "3号楼2单元电梯按钮坏了，请派人维修", location={"building": "3", "unit": "2"})
        complaint_cid = await file(desk, "物业前台客服人员态度很差，办理停车卡时对我大声呵斥")
        repair, complaint = f"T-{repair_cid}", f"T-{complaint_cid}"

        # --- the repair: engineering, named handler, visit agreed, on site, owner signs -------------
        sheet = await assigned_task(sup, repair)
        assert (
            sheet["category"] == "engineering" and "电梯" in sheet["content"] and sheet["location"]["building"] == "3"
        )
        assert sheet["owner_contact_masked"] == "138****1234"
        person = {"kind": "person", "department": "engineering", "person_id": "eng-1", "name": "王师傅"}
        await ok(
            await sup.post(f"/v1/tasks/{repair}/reassign", json={"reason": "电梯由王师傅负责", "assignee": person})
        )
        assert (await cs.post(f"/v1/tasks/{repair}/accept")).status_code == 403  # only the assignee
        await ok(await eng.post(f"/v1/tasks/{repair}/accept"))
        visit = (datetime.now(UTC) + timedelta(hours=2)).isoformat()
        await ok(await eng.post(f"/v1/tasks/{repair}/appointment", json={"visit_at": visit}))
        # the assignee, with the visit agreed, gets the owner's phone from intake (audited on both sides)
        phone = await ok(await eng.post(f"/v1/tasks/{repair}/owner-contact", json={"purpose": "上门前电话联系业主"}))
        assert phone["phone"] == "13812341234" and phone["basis"] == "appointment"
        assert (await cs.post(f"/v1/tasks/{repair}/owner-contact", json={"purpose": "联系业主"})).status_code == 404
        reveals = await ok(await sup.get(f"/v1/tasks/{repair}/contact-reveals"))
        assert [(r["by"], r["outcome"]) for r in reveals] == [("eng-1", "served")]
        await ok(await eng.post(f"/v1/tasks/{repair}/check-in", json={"evidence_ids": ["ev-arrive"]}))
        await ok(await eng.post(f"/v1/tasks/{repair}/start"))
        progress = {"kind": "progress", "text_zh": "已到场，正在更换按钮", "text_en": "Replacing the button"}
        await ok(await eng.post(f"/v1/tasks/{repair}/notes", json=progress), 201)
        fixed = {
            "handling_mode": "rectification",
            "result_summary": "已更换电梯按钮并试运行正常",
            "evidence_ids": ["ev-fixed"],
            "owner_confirmation_ref": "SIGN-E2E-1",
        }
        await ok(await eng.post(f"/v1/tasks/{repair}/resolve", json=fixed))
        await ok(await desk_tasks.post(f"/v1/tasks/{repair}/verify", json={"note": "已电话回访确认"}))

        # --- the complaint: customer service, the staff member heard, extension, explanation -------
        await assigned_task(sup, complaint)
        person = {"kind": "person", "department": "customer_service", "person_id": "cs-1", "name": "李主管"}
        await ok(await sup.post(f"/v1/tasks/{complaint}/reassign", json={"reason": "客服部处理", "assignee": person}))
        await ok(await cs.post(f"/v1/tasks/{complaint}/accept"))
        await ok(await cs.post(f"/v1/tasks/{complaint}/start"))
        statement = {"kind": "staff_statement", "text_zh": "当班客服称当时排队人多", "subject_staff_id": "desk-7"}
        await ok(await cs.post(f"/v1/tasks/{complaint}/notes", json=statement), 201)
        later = (datetime.now(UTC) + timedelta(days=7)).isoformat()
        await ok(
            await cs.post(
                f"/v1/tasks/{complaint}/extensions", json={"reason": "需调取监控核实", "new_resolve_by": later}
            ),
            201,
        )
        await ok(await sup.post(f"/v1/tasks/{complaint}/extensions/1/decision", json={"approve": True}))
        # a pause reaches the SLA monitor: its clock stops, and runs again on resume
        await ok(await cs.post(f"/v1/tasks/{complaint}/pause", json={"reason": "third_party", "note": "等待监控调取"}))
        await timer_state(sla, complaint, "paused")
        await ok(await cs.post(f"/v1/tasks/{complaint}/resume"))
        await timer_state(sla, complaint, "running")
        answer = {"handling_mode": "explanation", "result_summary": "已调取监控核实，对当班员工批评教育并向业主致歉"}
        await ok(await cs.post(f"/v1/tasks/{complaint}/resolve", json=answer))
        await ok(await desk_tasks.post(f"/v1/tasks/{complaint}/verify", json={}))

        # --- the feedback step: the owners are satisfied ------------------------------------------
        for cid in (repair_cid, complaint_cid):  # the round's outcome, as the notifier records it
            visit = ReturnVisitRecorded(
                complaint_id=cid, estate_id="SUNNY", outcome="satisfied", note="满意", at=datetime.now(UTC)
            )
            await publisher.publish(
                topics.RETURN_VISIT_RECORDED, new_event(visit, source="pm/notifier", estate_id="SUNNY")
            )
        for task_id in (repair, complaint):
            closed = (await probe.wait_for(topics.TASK_CLOSED, lambda e, t=task_id: e.subject == t, timeout=60))[0]
            assert closed.data["outcome"] == "satisfied"
            sheet = await ok(await sup.get(f"/v1/tasks/{task_id}"))
            assert sheet["status"] == "closed" and sheet["closed_outcome"] == "satisfied"
        # intake's register follows: result on the owner's timeline, then closed
        for cid, result in ((repair_cid, "已更换电梯按钮"), (complaint_cid, "致歉")):
            detail = await closed_at_intake(desk, cid)
            kinds = [t["kind"] for t in detail["timeline"]]
            assert "result" in kinds and "closed" in kinds
            assert any(result in t["note"] for t in detail["timeline"] if t["kind"] == "result")
        repair_timeline = (await desk.get(f"/v1/complaints/{repair_cid}")).json()["timeline"]
        assert any(t["kind"] == "progress" and "更换按钮" in t["note"] for t in repair_timeline)
        complaint_detail = (await desk.get(f"/v1/complaints/{complaint_cid}")).json()
        assert "当班客服" not in str(complaint_detail)  # the staff statement never leaves dispatch
        log = (await sup.get(f"/v1/tasks/{repair}/log")).json()
        assert [e["action"] for e in log][-3:] == ["resolved", "verified", "closed"]
    await publisher.close()
