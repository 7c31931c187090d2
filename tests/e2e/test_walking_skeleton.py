"""One complaint through every hop: intake → triage → dispatch → sla-monitor → notifier, on real engines."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from pm_common import topics
from pm_common.auth import issue_token
from pm_common.mongo import Mongo
from pm_common.testing import EventProbe, poll_until

pytestmark = pytest.mark.e2e

ALL = [
    topics.COMPLAINT_RECEIVED,
    topics.COMPLAINT_TRIAGED,
    topics.TASK_ASSIGNED,
    topics.TASK_OVERDUE,
    topics.FEEDBACK_SENT,
]


async def test_complaint_flows_to_feedback_sent(engines, topic_prefix, stack_factory) -> None:
    stack = stack_factory(
        engines,
        topic_prefix,
        DISPATCH_DEADLINE_CAP_SECONDS="2",
        SLA_ESCALATION_STEP_SECONDS="3600",
    )
    stack.start()
    await asyncio.to_thread(stack.wait_healthy)
    token = issue_token(stack.secret, "desk-1", "front_desk", ["SUNNY"])
    async with (
        EventProbe(engines.kafka_bootstrap, topic_prefix, ALL) as probe,
        httpx.AsyncClient(base_url=stack.url("intake"), headers={"Authorization": f"Bearer {token}"}) as client,
    ):
        response = await client.post(
            "/v1/complaints",
            headers={"X-Correlation-ID": "corr-e2e-1"},
            json={
                "estate_id": "SUNNY",
                "channel": "phone",
                "content": "3号楼2单元电梯困人了，里面有老人，请马上派人",
                "location": {"building": "3", "unit": "2"},
                "owner": {"name": "张三", "phone": "13812341234"},
            },
        )
        assert response.status_code == 201, response.text
        ack = response.json()
        cid = ack["complaint_id"]
        assert ack["reference_no"].startswith("SUNNY-") and "编号" in ack["message"]

        def mine(e):  # type: ignore[no-untyped-def]
            return e.complaintid == cid

        received = (await probe.wait_for(topics.COMPLAINT_RECEIVED, mine))[0]
        assert received.correlationid == "corr-e2e-1" == response.headers["X-Correlation-ID"]
        assert received.data["owner_phone_masked"] == "138****1234"
        assert "13812341234" not in received.model_dump_json()
        triaged = (await probe.wait_for(topics.COMPLAINT_TRIAGED, mine))[0]
        assert triaged.causationid == received.id and triaged.correlationid == received.correlationid
        assert triaged.data["urgency"] == "urgent" and triaged.data["category"] == "engineering"
        assert triaged.data["deadlines"]["onsite_by"] is not None
        assigned = (await probe.wait_for(topics.TASK_ASSIGNED, mine))[0]
        assert assigned.data["department"] == "engineering"
        overdue = (await probe.wait_for(topics.TASK_OVERDUE, mine, timeout=30))[0]
        assert overdue.data["escalation_level"] == 1 and overdue.data["escalate_to"] == "handler"
        sent = (await probe.wait_for(topics.FEEDBACK_SENT, lambda e: mine(e) and e.causationid == overdue.id))[0]
        assert "超" in sent.data["message_zh"] and sent.data["message_en"]

        # every hop's stored state, read from each service's own database
        run_id = stack.run_id
        dbs = {
            m: Mongo(engines.mongo_url, f"{run_id}_{m}")
            for m in ("pm_intake", "pm_triage", "pm_dispatch", "pm_sla_monitor", "pm_notifier")
        }
        try:
            triage_doc = await dbs["pm_triage"].collection("triages").find_one({"_id": cid})
            assert triage_doc["decision"] == "accepted" and triage_doc["outbox_pending"] == 0
            task = await dbs["pm_dispatch"].collection("tasks").find_one({"complaint_id": cid})
            assert task["_id"] == assigned.data["task_id"] and task["status"] == "assigned"
            sla_staff = {"Authorization": f"Bearer {issue_token(stack.secret, 'sup-1', 'supervisor', ['SUNNY'])}"}
            async with httpx.AsyncClient(base_url=stack.url("sla-monitor"), headers=sla_staff) as sla:
                clocks = (await sla.get(f"/v1/clocks/{task['_id']}")).json()["clocks"]
            assert any(c["stage"] == "onsite" and c["state"] == "running" for c in clocks)  # urgent: on site
            note = await dbs["pm_notifier"].collection("notifications").find_one({"cause_event_id": overdue.id})
            assert note["recipient_role"] == "handler"

            async def intake_in_progress():  # type: ignore[no-untyped-def]
                doc = await dbs["pm_intake"].collection("complaints").find_one({"_id": cid})
                return doc if doc["status"] == "in_progress" else None

            doc = await poll_until(intake_in_progress, what="intake status in_progress")
            assert doc["outbox_pending"] == 0
            kinds = [t["kind"] for t in doc["timeline"] if t["kind"] != "feedback"]  # the acknowledgement may be early
            assert kinds[:3] == ["received", "triaged", "assigned"]

            # the API shows the same, in the staff's language
            detail = (await client.get(f"/v1/complaints/{cid}")).json()
            assert detail["status"] == "in_progress" and "outbox" not in detail
            missing = await client.get("/v1/complaints/nope")
            assert missing.status_code == 404 and missing.json()["error"]["message"] == "未找到该记录"
        finally:
            for db in dbs.values():
                await db.drop_database()
                db.close()
