"""Every template through every local adapter (the SMTP server really receives the mail, the sink
really receives the HTTP calls), fallback, failure without feedback.sent, and the attempt log."""

from __future__ import annotations

import pytest
from factory import (
    appointment,
    assigned,
    cid,
    extension,
    incident_declared,
    incident_resolved,
    overdue,
    paused,
    progress,
    received,
    resolved,
    triaged,
    verified,
    warning,
)
from notifier_rig import Rig

from pm_common import topics
from pm_common.testing import poll_until
from pm_notifier.localsink.directory import Directory

pytestmark = pytest.mark.integration
OWNER_TEMPLATES = {
    "acknowledgement": "编号 SUNNY-20261201-",
    "non_acceptance": "暂不予受理",
    "appointment": "12月3日 14:30",  # the estate's local time (06:30 UTC)
    "progress": "配件已到",
    "extension": "需厂家供货",
    "result": "已更换灯具",
    "paused": "门机板需从厂家调货",
    "survey_invitation": "/h5/survey/",  # the owner link (H5); SMS also invites a reply
}


async def _owner_events(rig: Rig, c: str) -> None:
    await rig.publish(topics.COMPLAINT_RECEIVED, received(c))
    await rig.publish(topics.COMPLAINT_TRIAGED, triaged(c, "rejected", rejection_reason="outside_duties"))
    await rig.publish(topics.TASK_APPOINTMENT_SET, appointment(c))
    await rig.publish(topics.TASK_PROGRESS_NOTED, progress(c))
    await rig.publish(topics.TASK_EXTENSION_APPROVED, extension(c))
    await rig.publish(topics.TASK_PAUSED, paused(c))
    await rig.publish(topics.TASK_RESOLVED, resolved(c))
    await rig.publish(topics.TASK_VERIFIED, verified(c))  # a round starts: the survey invitation


async def test_each_owner_template_through_each_adapter(rig: Rig, directory: Directory) -> None:
    owners = {"sms": cid(), "email": cid(), "wechat": cid(), "push": cid()}
    directory.owner(owners["sms"], phone="13812341234")
    directory.owner(owners["email"], phone=None, email="zhang@example.com")
    directory.owner(owners["wechat"], phone=None, contact={"wechat": "oWX-openid-1"}, owner_ref="ok-w", anonymous=False)
    directory.owner(owners["push"], phone=None, contact={"push": "device-token-1"}, owner_ref="ok-p", anonymous=False)
    for c in owners.values():
        await _owner_events(rig, c)
    for channel, c in owners.items():
        docs = await rig.settled(c, len(OWNER_TEMPLATES))
        assert {d["template"] for d in docs} == set(OWNER_TEMPLATES)
        assert all(d["status"] in ("sent", "delivered") and d["channel"] == channel for d in docs), docs
        assert all(len(d["attempts"]) == 1 and d["attempts"][0]["outcome"] in ("accepted", "delivered") for d in docs)
    for channel, address in (
        ("sms", "13812341234"),
        ("email", "zhang@example.com"),
        ("wechat", "oWX-openid-1"),
        ("push", "device-token-1"),
    ):
        texts = [m["text"] for m in rig.sink_messages(channel) if m["recipient"] == address]
        assert len(texts) == len(OWNER_TEMPLATES), (channel, texts)
        for fragment in OWNER_TEMPLATES.values():
            assert any(fragment in t for t in texts), (channel, fragment, texts)
    ack = next(m["text"] for m in rig.sink_messages("email") if "编号" in m["text"])
    assert "12月1日 18:00" in ack and "阳光花园" in ack  # intake's promise (10:00 UTC) in local time
    assert "We will contact you by 2026-12-01 18:00" in ack  # English below the Chinese in the mail
    total = len(owners) * len(OWNER_TEMPLATES)
    sent = await rig.probe.wait_for(topics.FEEDBACK_SENT, lambda e: e.complaintid in owners.values(), count=total)
    assert len({e.data["notification_id"] for e in sent}) == total
    assert {e.data["channel"] for e in sent} == {"sms", "email", "wechat", "app"}
    assert all("13812341234" not in e.model_dump_json() and "zhang@" not in e.model_dump_json() for e in sent)
    assert all(lookup[2].startswith("d_") for lookup in directory.lookups)  # every lookup names its delivery


async def test_staff_templates_reach_the_pager_and_sms(rig: Rig, directory: Directory) -> None:
    c1, c2, c3 = cid(), cid(), cid()
    directory.person("h-wang", pager="PG-1001")
    directory.person("h-li", sms="13900000002")
    await rig.publish(topics.TASK_ASSIGNED, assigned(c1, handler="h-wang"))
    await rig.publish(topics.TASK_SLA_WARNING, warning(c1, "h-li"))
    await rig.publish(topics.TASK_OVERDUE, overdue(c1))  # v1, no roster: the supervisors' work queue
    declared = incident_declared([c2, c3])
    await rig.publish(topics.INCIDENT_DECLARED, declared)
    docs = await rig.settled(c1, 3)
    by = {d["template"]: d for d in docs}
    assert by["assignment"]["channel"] == "pager" and by["sla_warning"]["channel"] == "sms"
    assert by["escalation"]["recipient"]["ref"] == "role:supervisor" and by["escalation"]["channel"] == "pager"
    escalations = await rig.settled(c2, 2, "incident_escalation")
    assert sorted(d["recipient_role"] for d in escalations) == ["company", "project_manager"]
    pager = [m for m in rig.sink_messages("pager")]
    assert any(m["recipient"] == "PG-1001" and "已派给您" in m["text"] for m in pager)
    assert any("群诉升级" in m["text"] and m["recipient"] == "role:project_manager" for m in pager)
    sms = rig.sink_messages("sms")
    assert any(m["recipient"] == "13900000002" and "时限预警" in m["text"] and "80%" in m["text"] for m in sms)
    resolved_event = incident_resolved(declared.incident_id, [c2, c3])
    await rig.publish(topics.INCIDENT_RESOLVED, resolved_event)
    directory.owner(c2)
    directory.owner(c3, phone="13700000003")
    broadcasts = await rig.settled(c3, 1, "incident_broadcast")
    assert "电梯主板已更换" in broadcasts[0]["message_zh"]


async def test_fallback_to_the_next_channel_and_the_attempt_log(rig: Rig, directory: Directory) -> None:
    c = cid()
    directory.owner(c, phone="13812340001", email="li@example.com")
    rig.sink.store.fail_next("sms", 3, 503)  # every attempt of the SMS gateway answers 503
    await rig.publish(topics.TASK_PROGRESS_NOTED, progress(c))
    doc = (await rig.settled(c, 1))[0]
    assert doc["status"] == "sent" and doc["channel"] == "email"
    outcomes = [(a["channel"], a["outcome"]) for a in doc["attempts"]]
    assert outcomes == [("sms", "error"), ("sms", "error"), ("sms", "error"), ("email", "accepted")]
    assert doc["attempts"][0]["recipient"] == "138****0001"  # the log keeps masked addresses only
    mails = [m for m in rig.sink_messages("email") if m["recipient"] == "li@example.com"]
    assert len(mails) == 1 and "配件已到" in mails[0]["text"]
    c2 = cid()
    directory.owner(c2, phone="13812340002", email="wu@example.com")
    rig.sink.store.fail_next("sms", 1, 400)  # a rejection is not retried: straight to the next channel
    await rig.publish(topics.TASK_PROGRESS_NOTED, progress(c2))
    doc2 = (await rig.settled(c2, 1))[0]
    assert [(a["channel"], a["outcome"]) for a in doc2["attempts"]] == [("sms", "rejected"), ("email", "accepted")]


async def test_feedback_sent_only_for_messages_the_provider_accepted(rig: Rig, directory: Directory) -> None:
    failing, fine = cid(), cid()
    directory.owner(failing, phone="13812349999")
    directory.owner(fine, phone="13812348888")
    rig.sink.store.fail_next("sms", 3, 500)
    await rig.publish(topics.TASK_PROGRESS_NOTED, progress(failing))
    failed = (await rig.settled(failing, 1))[0]
    assert failed["status"] == "failed" and failed["failed_reason"] == "all_channels_failed"
    await rig.publish(topics.TASK_PROGRESS_NOTED, progress(fine))
    ok = (await rig.settled(fine, 1))[0]
    await rig.probe.wait_for(topics.FEEDBACK_SENT, lambda e: e.subject == ok["_id"])
    assert not [e for t, e, _ in rig.probe.events if t == topics.FEEDBACK_SENT and e.subject == failed["_id"]]
    async with rig.client() as client:
        listed = (await client.get(f"/v1/complaints/{failing}/notifications")).json()
        one = (await client.get(f"/v1/deliveries/{failed['_id']}")).json()
    assert listed[0]["status"] == "failed" and len(one["attempts"]) == 3
    assert "params" not in one


async def test_contacts_are_never_stored(rig: Rig, directory: Directory) -> None:
    c = cid()
    directory.owner(c, phone="13812347777", email="qian@example.com")
    await rig.publish(topics.TASK_RESOLVED, resolved(c))
    await rig.settled(c, 1)

    async def dumped() -> str:
        parts = []
        for name in await rig.runtime.mongo.db.list_collection_names():
            parts += [str(d) async for d in rig.runtime.mongo.db[name].find({})]
        return "".join(parts)

    text = await poll_until(dumped, what="the notifier's whole database")
    assert "13812347777" not in text and "qian@example.com" not in text


async def test_anonymous_owners_only_through_the_tracking_inbox(rig: Rig, directory: Directory) -> None:
    c = cid()
    directory.owner(c, phone=None)  # intake answers anonymous: no contact at all
    await rig.publish(topics.TASK_PROGRESS_NOTED, progress(c))
    doc = (await rig.settled(c, 1))[0]
    assert doc["status"] == "delivered" and doc["channel"] == "inbox"
    assert [a["channel"] for a in doc["attempts"]] == ["inbox"]
    assert not [m for m in rig.sink.store.messages if "配件已到" in m["text"] and m["channel"] != "inbox"]
    async with rig.client("service:intake", "integration") as intake:
        inbox = (await intake.get(f"/internal/v1/complaints/{c}/inbox")).json()
    async with rig.client() as desk:
        refused = await desk.get(f"/internal/v1/complaints/{c}/inbox")
    assert [m["template"] for m in inbox] == ["progress"] and "配件已到" in inbox[0]["message_zh"]
    assert refused.status_code == 403
