"""Through the real broker and DB: a withdrawal cancels the main task and every open sub-task once
(redelivered too); a group incident's parent closes when all its children are closed, once."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from dispatch_fakes import triaged

from conftest import Dispatch
from pm_common import topics
from pm_common.events import Envelope, new_event
from pm_common.events.notify import ReturnVisitRecorded
from pm_common.events.payloads import ComplaintWithdrawn, GroupIncidentDeclared, GroupIncidentResolved
from pm_common.testing import poll_until

pytestmark = pytest.mark.integration


async def _doc(dispatch: Dispatch, task_id: str) -> dict[str, Any]:
    doc = await dispatch.mongo.collection("tasks").find_one({"_id": task_id})
    assert doc is not None
    return dict(doc)


async def _processed(dispatch: Dispatch, task_id: str, event_id: str) -> bool:
    doc = await dispatch.mongo.collection("tasks").find_one({"_id": task_id})
    return bool(doc and event_id in doc.get("processed", []))


def _withdrawal(cid: str) -> Envelope:
    payload = ComplaintWithdrawn(
        complaint_id=cid, reference_no="SUNNY-1", estate_id="SUNNY", reason="已自行解决", withdrawn_at=datetime.now(UTC)
    )
    return new_event(payload, source="pm/intake", estate_id="SUNNY")


async def test_withdrawal_cancels_the_main_task_and_every_open_subtask_once(dispatch: Dispatch) -> None:
    cid = uuid.uuid4().hex
    tid = f"T-{cid}"
    await dispatch.publisher.publish(
        topics.COMPLAINT_TRIAGED, triaged(cid, category="customer_service", at=datetime.now(UTC))[0]
    )
    await dispatch.task(tid, "assigned")
    async with dispatch.client("supervisor", "sup-1") as sup:
        for category, person in (("cleaning_greening", "cl-1"), ("security_order", "sec-1")):
            who = {"kind": "person", "department": category, "person_id": person}
            body = {"category": category, "assignee": who}
            assert (await sup.post(f"/v1/tasks/{tid}/subtasks", json=body)).status_code == 201
    async with dispatch.client("handler", "cl-1") as cl:
        await cl.post(f"/v1/tasks/{tid}-1/accept")
        done = await cl.post(
            f"/v1/tasks/{tid}-1/resolve", json={"handling_mode": "rectification", "result_summary": "已清理"}
        )
        assert done.json()["status"] == "resolved"
    env = _withdrawal(cid)
    await dispatch.publisher.publish(topics.COMPLAINT_WITHDRAWN, env)
    await dispatch.publisher.publish(topics.COMPLAINT_WITHDRAWN, env)  # redelivered
    marker = _withdrawal(cid)  # same key, same partition: consumed after the redelivery
    await dispatch.publisher.publish(topics.COMPLAINT_WITHDRAWN, marker)
    await poll_until(lambda: _processed(dispatch, f"{tid}-2", marker.id), timeout=60, what="the marker consumed")
    statuses = {t: (await _doc(dispatch, t))["status"] for t in (tid, f"{tid}-1", f"{tid}-2")}
    assert statuses == {tid: "cancelled", f"{tid}-1": "resolved", f"{tid}-2": "cancelled"}
    for t in (tid, f"{tid}-2"):
        assert [e["action"] for e in (await _doc(dispatch, t))["work_log"]].count("cancelled") == 1
    found = await dispatch.probe.wait_for(topics.TASK_CANCELLED, lambda e: e.complaintid == cid, count=2)
    assert sorted(e.subject or "" for e in found) == [tid, f"{tid}-2"]
    assert all(e.data["reason"] == "withdrawn" for e in found)


async def test_the_incident_parent_closes_when_all_its_children_are_closed(dispatch: Dispatch) -> None:
    now = datetime.now(UTC)
    cids = [uuid.uuid4().hex for _ in range(3)]
    for c in cids:
        await dispatch.publisher.publish(topics.COMPLAINT_TRIAGED, triaged(c, category="engineering", at=now)[0])
        await dispatch.task(f"T-{c}", "assigned")
    incident = f"INC-{uuid.uuid4().hex[:8]}"
    parent_id = f"T-{incident}"
    declared = GroupIncidentDeclared(
        incident_id=incident,
        estate_id="SUNNY",
        fault_key="SUNNY|3号楼/电梯|engineering",
        place="3号楼/电梯",
        category="engineering",
        window_start=now,
        window_end=now,
        threshold=3,
        complaint_ids=tuple(cids),
        declared_at=now,
    )
    await dispatch.publish(topics.INCIDENT_DECLARED, declared, source="pm/triage")
    await dispatch.task(parent_id, "assigned")
    resolved = GroupIncidentResolved(
        incident_id=incident,
        estate_id="SUNNY",
        complaint_ids=tuple(cids),
        answer_zh="3号楼电梯主板已更换",
        resolved_by="sup-1",
        resolved_at=now,
    )
    await dispatch.publish(topics.INCIDENT_RESOLVED, resolved, source="pm/triage")
    for c in cids:
        await dispatch.task(f"T-{c}", "resolved")
    for n, c in enumerate(cids):
        visit = ReturnVisitRecorded(complaint_id=c, estate_id="SUNNY", outcome="satisfied", at=now)
        await dispatch.publish(topics.RETURN_VISIT_RECORDED, visit, source="pm/notifier")
        await dispatch.task(f"T-{c}", "closed")
        if n < 2:
            assert (await _doc(dispatch, parent_id))["status"] == "resolved"  # a child is still open
    parent = await dispatch.task(parent_id, "closed")
    assert parent["closed_outcome"] == "satisfied"
    # every child's task.closed redelivered, then a marker on the last child's partition
    children = {f"T-{c}" for c in cids}
    closed = await dispatch.probe.wait_for(topics.TASK_CLOSED, lambda e: e.subject in children, count=3)
    for e in closed:
        await dispatch.publisher.publish(topics.TASK_CLOSED, e)
    marker = closed[-1].model_copy(update={"id": uuid.uuid4().hex})  # same child, another event id
    await dispatch.publisher.publish(topics.TASK_CLOSED, marker)
    await poll_until(lambda: _processed(dispatch, parent_id, marker.id), timeout=60, what="the marker consumed")
    assert [e["action"] for e in (await _doc(dispatch, parent_id))["work_log"]].count("closed") == 1
    own = await dispatch.probe.wait_for(topics.TASK_CLOSED, lambda e: e.subject == parent_id)
    assert len({e.id for e in own}) == 1


async def test_a_supervisor_cancel_publishes_its_reason(dispatch: Dispatch) -> None:
    cid = uuid.uuid4().hex
    tid = f"T-{cid}"
    await dispatch.publisher.publish(topics.COMPLAINT_TRIAGED, triaged(cid, at=datetime.now(UTC))[0])
    await dispatch.task(tid, "assigned")
    async with dispatch.client("supervisor", "sup-1") as sup:
        bare = await sup.post(f"/v1/tasks/{tid}/cancel", json={})  # "other" needs a note
        assert bare.status_code == 409 and bare.json()["error"]["rule"] == "cancel_note_required"
        unknown = await sup.post(f"/v1/tasks/{tid}/cancel", json={"reason": "withdrawn"})  # the owner's, via intake
        assert unknown.status_code == 422
        done = await sup.post(f"/v1/tasks/{tid}/cancel", json={"reason": "duplicate", "note": "与上一单重复"})
        assert done.status_code == 200 and done.json()["cancel_reason"] == "duplicate"
    event = (await dispatch.probe.wait_for(topics.TASK_CANCELLED, lambda e: e.subject == tid))[0]
    assert event.schemaversion == 2
    assert (event.data["cancel_reason"], event.data["reason"], event.data["actor_id"]) == (
        "duplicate",
        "withdrawn",
        "sup-1",
    )
