"""Across services: an owner's withdrawal stops the task and its timer; an item answered on the spot
is classified but never dispatched."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from pm_common import topics
from pm_common.auth import issue_token
from pm_common.mongo import Mongo
from pm_common.testing import EventProbe, poll_until

pytestmark = pytest.mark.e2e


async def test_withdrawal_cancels_task_and_stops_timer_and_on_spot_items_are_not_dispatched(
    engines, topic_prefix, stack_factory
) -> None:
    stack = stack_factory(engines, topic_prefix)
    stack.start()
    await asyncio.to_thread(stack.wait_healthy)
    staff = {"Authorization": f"Bearer {issue_token(stack.secret, 'desk-1', 'front_desk', ['JADE'])}"}
    dbs = {m: Mongo(engines.mongo_url, f"{stack.run_id}_{m}") for m in ("pm_triage", "pm_dispatch", "pm_sla_monitor")}
    try:
        async with (
            EventProbe(engines.kafka_bootstrap, topic_prefix, [topics.TASK_ASSIGNED, topics.TASK_CANCELLED]) as probe,
            httpx.AsyncClient(base_url=stack.url("intake"), timeout=15) as intake,
        ):
            ack = await intake.post(
                "/v1/complaints",
                headers=staff,
                json={
                    "estate_id": "JADE",
                    "channel": "app",
                    "content": "5号楼2单元楼道灯坏了好几天了",
                    "location": {"building": "5", "unit": "2"},
                    "owner": {"phone": "13900002222"},
                },
            )
            assert ack.status_code == 201, ack.text
            cid = ack.json()["complaint_id"]
            assigned = (await probe.wait_for(topics.TASK_ASSIGNED, lambda e: e.complaintid == cid))[0]
            task_id = assigned.data["task_id"]
            await poll_until(
                lambda: dbs["pm_sla_monitor"].collection("armed").find_one({"item_id": task_id}), what="armed clock"
            )

            otp = (await intake.post("/v1/owner/otp", json={"phone": "13900002222"})).json()
            session = await intake.post("/v1/owner/session", json={"phone": "13900002222", "code": otp["dev_code"]})
            owner = {"Authorization": f"Bearer {session.json()['token']}"}
            withdrawn = await intake.post(
                f"/v1/owner/complaints/{cid}/withdraw", headers=owner, json={"reason": "已自行解决"}
            )
            assert withdrawn.status_code == 200, withdrawn.text

            cancelled = (await probe.wait_for(topics.TASK_CANCELLED, lambda e: e.complaintid == cid))[0]
            assert cancelled.data == {**cancelled.data, "task_id": task_id, "reason": "withdrawn", "note": "已自行解决"}

            async def timer_stopped():  # type: ignore[no-untyped-def]
                sla_db = dbs["pm_sla_monitor"]
                stop = await sla_db.collection("clock_results").find_one({"item_id": task_id, "reason": "cancelled"})
                armed = await sla_db.collection("armed").find_one({"item_id": task_id})
                return stop if stop is not None and armed is None else None

            await poll_until(timer_stopped, what="timer stopped by task.cancelled")
            task = await dbs["pm_dispatch"].collection("tasks").find_one({"_id": task_id})
            assert task["status"] == "cancelled"

            closed = await intake.post(
                "/v1/complaints",
                headers=staff,
                json={
                    "estate_id": "JADE",
                    "channel": "app",
                    "content": "请问物业费可以用支付宝交吗",
                    "answered_on_spot": "可以，物业App和前台都支持支付宝缴费",
                },
            )
            assert closed.status_code == 201 and closed.json()["status"] == "closed"
            closed_id = closed.json()["complaint_id"]
            record = await poll_until(
                lambda: dbs["pm_triage"].collection("triages").find_one({"_id": closed_id}), what="triage record"
            )
            assert record["decision"] == "closed_at_intake" and record["result"]["category"] == "fees_finance"
            assert record.get("outbox_pending", 0) == 0
            assert await dbs["pm_dispatch"].collection("tasks").find_one({"complaint_id": closed_id}) is None
            assert not [e for t, e, _ in probe.events if e.complaintid == closed_id]
    finally:
        for db in dbs.values():
            await db.drop_database()
            db.close()
