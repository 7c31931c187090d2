"""Exactly one message per event and recipient: a redelivered event, a crash mid-send (the provider
accepted, the notifier died before recording it), and quiet hours holding a message."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from factory import cid, progress, resolved
from notifier_rig import Rig

from pm_common import topics
from pm_common.testing import poll_until
from pm_notifier.domain.model import Intent, Recipient
from pm_notifier.localsink.directory import Directory
from pm_notifier.service_layer.delivery import deliver, new_delivery
from pm_notifier.service_layer.ports import Outbound

pytestmark = pytest.mark.integration


async def test_a_redelivered_event_sends_once(rig: Rig, directory: Directory) -> None:
    c = cid()
    directory.owner(c, phone="13800001111")
    event = await rig.publish(topics.TASK_RESOLVED, resolved(c))
    await rig.settled(c, 1)
    await rig.publisher.publish(topics.TASK_RESOLVED, event)  # the same event id again (at-least-once)
    await rig.publisher.publish(topics.TASK_RESOLVED, event)
    marker = cid()  # an event published after the duplicates: once it is handled, they were too
    directory.owner(marker, phone="13800002222")
    await rig.publish(topics.TASK_RESOLVED, resolved(marker))
    await rig.settled(marker, 1)
    assert len(await rig.notifications(c)) == 1
    assert len([m for m in rig.sink_messages("sms") if m["recipient"] == "13800001111"]) == 1
    await rig.probe.wait_for(topics.FEEDBACK_SENT, lambda e: e.complaintid == marker)
    sent = [e for t, e, _ in rig.probe.events if t == topics.FEEDBACK_SENT and e.complaintid == c]
    assert len(sent) == 1


class DiesAfterTheProvider:
    """The real SMS adapter, then the process 'dies' before the notifier records the answer."""

    def __init__(self, real: object) -> None:
        self.real = real
        self.kind = "sms"

    async def send(self, message: Outbound) -> list[object]:
        await self.real.send(message)  # type: ignore[attr-defined]
        raise SystemExit("killed mid-send")


async def test_a_crash_mid_send_does_not_send_twice(rig: Rig, directory: Directory) -> None:
    c = cid()
    directory.owner(c, phone="13800003333")
    ports = rig.ports.delivery
    now = rig.clock.now()
    intent = Intent(Recipient("owner", c), "progress", {"estate": "SUNNY", "note": "已联系厂家"})
    doc = new_delivery(
        intent,
        cause_id="evt-crash-1",
        cause_type="task.progress_noted",
        slot="progress",
        complaint_id=c,
        estate_id="SUNNY",
        correlation_id="corr-crash",
        now=now,
    )
    await ports.store.create(doc)
    crashing = replace(ports, channels={**ports.channels, "sms": DiesAfterTheProvider(ports.channels["sms"])})
    with pytest.raises(SystemExit):
        await deliver(doc["_id"], crashing, now)
    assert (await ports.store.get(doc["_id"]))["status"] == "queued"  # nothing recorded: the crash
    assert len(rig.sink_messages("sms")) == 1  # ... but the provider has the message
    # after the restart the event is redelivered: the same delivery, the same idempotency key
    await ports.store.create(doc)
    assert await deliver(doc["_id"], ports, rig.clock.now()) == "delivered"
    assert len([m for m in rig.sink_messages("sms") if m["recipient"] == "13800003333"]) == 1
    assert rig.sink.store.duplicates == 1  # the provider answered the retry from its idempotency record
    stored = await ports.store.get(doc["_id"])
    assert stored["status"] == "delivered" and stored["provider_message_id"] == rig.sink_messages("sms")[0]["id"]
    await rig.probe.wait_for(topics.FEEDBACK_SENT, lambda e: e.subject == doc["_id"])
    assert await deliver(doc["_id"], ports, rig.clock.now()) == "delivered"  # a third try does nothing
    assert rig.sink.store.calls == 2


async def test_quiet_hours_hold_non_urgent_messages(rig: Rig, directory: Directory) -> None:
    c = cid()
    directory.owner(c, phone="13800004444")
    local = rig.clock.now().astimezone(ZoneInfo("Asia/Shanghai"))
    start = (local - timedelta(hours=1)).strftime("%H:%M")
    end = (local + timedelta(hours=2)).strftime("%H:%M")
    async with rig.client() as client:
        r = await client.put(
            f"/v1/complaints/{c}/owner-preferences", json={"quiet_start": start, "quiet_end": end, "channels": ["sms"]}
        )
    assert r.status_code == 200, r.text
    assert await rig.ports.delivery.preferences.get(f"ok-{c}") is not None  # keyed by intake's owner key
    await rig.publish(topics.TASK_PROGRESS_NOTED, progress(c))

    async def held() -> dict | None:  # type: ignore[type-arg]
        docs = await rig.notifications(c)
        return docs[0] if docs and docs[0].get("not_before") else None

    doc = await poll_until(held, what="the message held for quiet hours")
    assert doc["status"] == "queued" and not [m for m in rig.sink_messages() if m["recipient"] == "13800004444"]
    assert doc["not_before"] > rig.clock.now() + timedelta(hours=1)
    rig.clock.advance(timedelta(hours=2, minutes=1))  # the quiet hours end
    sent = (await rig.settled(c, 1))[0]
    assert sent["status"] == "delivered" and sent["sent_at"] >= doc["not_before"]
    assert len([m for m in rig.sink_messages("sms") if m["recipient"] == "13800004444"]) == 1
