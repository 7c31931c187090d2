"""Issue #9, the 被投诉人 rule end to end: a complaint naming nobody is routed to handler H; a supervisor
then names H at intake (``PUT /v1/complaints/{id}/subjects``) and, within a deadline, every service
hides it from H — triage's record, dispatch's task (routed away from H), the notifier's messages, the
SLA monitor's timer — answering as for an id that does not exist. A later change (revision 2) names
somebody else; revision 1 delivered again afterwards changes nothing anywhere."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import httpx
import pytest

from pm_common import topics
from pm_common.auth import Role, issue_token
from pm_common.events import Envelope
from pm_common.kafka import KafkaPublisher
from pm_common.mongo import Mongo
from pm_common.testing import EventProbe, poll_until, same_partition_key
from pm_dispatch.adapters.org_demo import demo_organisation

pytestmark = pytest.mark.e2e
DEADLINE = 90.0


def client(stack: Any, service: str, role: Role, sub: str) -> httpx.AsyncClient:
    token = issue_token(stack.secret, sub, role, ["SUNNY"])
    return httpx.AsyncClient(base_url=stack.url(service), headers={"Authorization": f"Bearer {token}"}, timeout=20)


async def status(c: httpx.AsyncClient, path: str) -> int:
    return (await c.get(path)).status_code


async def becomes(c: httpx.AsyncClient, path: str, wanted: int, what: str) -> None:
    async def check() -> bool:
        return await status(c, path) == wanted

    await poll_until(check, timeout=DEADLINE, what=what)


async def test_a_later_subject_loses_the_complaint_in_every_service(engines, topic_prefix, stack_factory) -> None:  # type: ignore[no-untyped-def]
    stack = stack_factory(engines, topic_prefix)
    stack.start()
    await asyncio.to_thread(stack.wait_healthy)
    db = {name: Mongo(engines.mongo_url, f"{stack.run_id}_{name}") for name in ("pm_triage", "pm_dispatch")}
    db |= {name: Mongo(engines.mongo_url, f"{stack.run_id}_{name}") for name in ("pm_notifier", "pm_sla_monitor")}
    async with (
        EventProbe(engines.kafka_bootstrap, topic_prefix, [topics.COMPLAINT_SUBJECTS_CHANGED]) as probe,
        client(stack, "intake", "front_desk", "desk-1") as desk,
        client(stack, "intake", "supervisor", "sup-1") as sup_intake,
        client(stack, "dispatch", "project_manager", "pm-1") as pm,
        client(stack, "dispatch", "supervisor", "sup-1") as sup,
        client(stack, "notifier", "supervisor", "sup-1") as sup_notes,
    ):
        assert (await pm.put("/v1/estates/SUNNY/organisation", json=demo_organisation("SUNNY"))).status_code == 200
        filed = await desk.post(
            "/v1/complaints",
            json={
                "estate_id": "SUNNY",
                "channel": "phone",
                "content": "3号楼大堂地面很脏，垃圾一直没人清理",
                "owner": {"name": "张三", "phone": "13812341234"},
            },
        )
        assert filed.status_code == 201, filed.text
        cid = filed.json()["complaint_id"]
        task_id = f"T-{cid}"

        async def assigned() -> dict[str, Any] | None:
            response = await sup.get(f"/v1/tasks/{task_id}")
            body = response.json() if response.status_code == 200 else None
            person = body and (body.get("assignee") or {}).get("person_id")
            return body if person and body["status"] == "assigned" else None

        h = (await poll_until(assigned, timeout=DEADLINE, what="the task routed to a person"))["assignee"]["person_id"]
        h_triage = client(stack, "triage", "handler", h)
        h_tasks = client(stack, "dispatch", "handler", h)
        h_notes = client(stack, "notifier", "handler", h)
        h_sla = client(stack, "sla-monitor", "handler", h)
        async with h_triage, h_tasks, h_notes, h_sla:
            # before: H works the complaint and sees it everywhere (so the 404s below have teeth)
            await becomes(h_triage, f"/v1/triages/{cid}", 200, "H reads the triage record")
            assert await status(h_tasks, f"/v1/tasks/{task_id}") == 200
            await becomes(h_sla, f"/v1/timers/{task_id}", 200, "H reads the task's timer")

            async def sent() -> list[dict[str, Any]] | None:
                found: list[dict[str, Any]] = (await sup_notes.get(f"/v1/complaints/{cid}/notifications")).json()
                return found or None

            delivery = (await poll_until(sent, timeout=DEADLINE, what="a message about the complaint"))[0]
            delivery_path = f"/v1/deliveries/{delivery['notification_id']}"
            assert await status(h_notes, delivery_path) == 200

            # revision 1: H is named — every service hides it from H, dispatch routes it away from H
            named = await sup_intake.put(
                f"/v1/complaints/{cid}/subjects", json={"subject_staff_ids": [h], "reason": "业主投诉该保洁员态度差"}
            )
            assert named.status_code == 200, named.text
            unknown = uuid.uuid4().hex
            await becomes(h_triage, f"/v1/triages/{cid}", 404, "triage hides the record from H")
            hidden = (await h_triage.get(f"/v1/triages/{cid}")).text
            assert hidden == (await h_triage.get(f"/v1/triages/{unknown}")).text.replace(unknown, cid)
            await becomes(h_tasks, f"/v1/tasks/{task_id}", 404, "dispatch hides the task from H")

            async def moved() -> dict[str, Any] | None:
                body: dict[str, Any] = (await sup.get(f"/v1/tasks/{task_id}")).json()
                return body if (body.get("assignee") or {}).get("person_id") != h else None

            rerouted = await poll_until(moved, timeout=DEADLINE, what="the task routed away from H")
            assert rerouted["status"] == "assigned"
            await becomes(h_sla, f"/v1/timers/{task_id}", 404, "the SLA monitor hides the timer from H")
            await becomes(h_notes, delivery_path, 404, "the notifier hides the delivery from H")
            assert (await h_notes.get(f"/v1/complaints/{cid}/notifications")).json() == []
            assert await status(sup_notes, delivery_path) == 200  # the others still see it

            # revision 2 names somebody else; revision 1 delivered again afterwards changes nothing
            other = "sunny-sec9"
            assert (
                await sup_intake.put(
                    f"/v1/complaints/{cid}/subjects", json={"subject_staff_ids": [other], "reason": "核实后为保安"}
                )
            ).status_code == 200
            await becomes(h_triage, f"/v1/triages/{cid}", 200, "H no longer a subject at triage")
            await becomes(h_sla, f"/v1/timers/{task_id}", 200, "H no longer a subject at the SLA monitor")
            await becomes(h_notes, delivery_path, 200, "H no longer a subject at the notifier")
            changes = await probe.wait_for(topics.COMPLAINT_SUBJECTS_CHANGED, lambda e: e.subject == cid, count=2)
            assert [e.data["revision"] for e in changes] == [1, 2]
            await redeliver(engines, topic_prefix, changes[0], db)
            for path, c in (
                (f"/v1/triages/{cid}", h_triage),
                (f"/v1/timers/{task_id}", h_sla),
                (delivery_path, h_notes),
            ):
                assert await status(c, path) == 200, path  # revision 2 still holds: H is not a subject
            task = await db["pm_dispatch"].collection("tasks").find_one({"_id": task_id})
            assert task is not None and task["subject_staff_ids"] == [other] and task["subjects_revision"] == 2
            record = await db["pm_triage"].collection("triages").find_one({"_id": cid})
            assert record is not None and record["subject_staff_ids"] == [other]
    for mongo in db.values():
        mongo.close()


async def redeliver(engines: Any, prefix: str, event: Envelope, db: dict[str, Mongo]) -> None:
    """Publish ``event`` again, then a made-up change on its partition; once every consumer has the
    latter, the redelivered one was consumed before it."""
    marker = same_partition_key(event.subject, topics.TOPICS[topics.COMPLAINT_SUBJECTS_CHANGED].partitions)
    again = event.model_copy(update={"data": {**event.data}})
    follow = event.model_copy(
        update={
            "id": uuid.uuid4().hex,
            "subject": marker,
            "complaintid": marker,
            "data": {**event.data, "complaint_id": marker},
        }
    )
    publisher = KafkaPublisher(engines.kafka_bootstrap, prefix)
    try:
        await publisher.publish(topics.COMPLAINT_SUBJECTS_CHANGED, again)
        await publisher.publish(topics.COMPLAINT_SUBJECTS_CHANGED, follow)
    finally:
        await publisher.close()

    async def consumed() -> bool:
        stores = [db[n].collection("complaint_subjects") for n in ("pm_triage", "pm_notifier", "pm_sla_monitor")]
        found = [await s.find_one({"_id": marker}) for s in stores]
        found.append(await db["pm_dispatch"].collection("tasks").find_one({"_id": f"T-{marker}"}))
        return all(f is not None for f in found)

    await poll_until(consumed, timeout=DEADLINE, what="the event after the redelivered revision 1 consumed")
