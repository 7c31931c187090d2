"""Urgent items page the on-duty handler and duty manager at once, need an acknowledgement, and move
to the next person on the roster when nobody acknowledges in time (the test moves the clock)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from factory import cid, roster, triaged
from notifier_rig import Rig

from pm_common import topics
from pm_common.testing import poll_until
from pm_notifier.localsink.directory import Directory

pytestmark = pytest.mark.integration


async def _roster_loaded(rig: Rig, version: int) -> bool:
    snapshot = await rig.ports.rosters.get("SUNNY")
    return snapshot is not None and snapshot.version >= version


async def test_urgent_page_escalates_when_unacknowledged(rig: Rig, directory: Directory) -> None:
    for pid, pager in (("h-a", "PG-A"), ("h-b", "PG-B"), ("m-1", "PG-M")):
        directory.person(pid, pager=pager)
    directory.person("m-2", channels=("sms",), sms="13900000012")  # accepts SMS only (else the roster's order)
    await rig.publish(topics.ORG_CHANGED, roster(1, handler=["h-old"]))
    await rig.publish(topics.ORG_CHANGED, roster(3, handler=["h-a", "h-b"], duty_manager=["m-1", "m-2"]))
    await rig.publish(topics.ORG_CHANGED, roster(2, handler=["h-stale"]))  # older: ignored
    await poll_until(lambda: _roster_loaded(rig, 3), what="roster v3")
    c = cid()
    started = rig.clock.now()
    await rig.publish(topics.COMPLAINT_TRIAGED, triaged(c, urgency="urgent", fault_key="SUNNY|3号楼/电梯|engineering"))
    first = await rig.settled(c, 2, "urgent_page")
    assert sorted(d["recipient"]["ref"] for d in first) == ["h-a", "m-1"]
    assert all(d["sent_at"] - started < timedelta(seconds=10) for d in first)  # within seconds
    paged = {m["recipient"]: m for m in rig.sink_messages("pager")}
    assert {"PG-A", "PG-M"} <= set(paged) and "3号楼/电梯" in paged["PG-A"]["text"]
    assert "/h5/ack/" in paged["PG-A"]["ack_url"]
    page_id = f"pg_{c}"
    async with rig.client("h-b", "handler") as client:
        refused = await client.post(f"/v1/pages/{page_id}/ack")  # not paged yet: may not acknowledge
        assert refused.status_code == 403 and refused.json()["error"]["code"] == "not_paged"
    rig.clock.advance(timedelta(minutes=6))  # nobody acknowledged within 5 minutes
    second = await rig.settled(c, 4, "urgent_page")
    assert sorted(d["recipient"]["ref"] for d in second) == ["h-a", "h-b", "m-1", "m-2"]
    assert any(m["recipient"] == "13900000012" and "紧急" in m["text"] for m in rig.sink_messages("sms"))
    async with rig.client("h-b", "handler") as client:
        ack = await client.post(f"/v1/pages/{page_id}/ack")
        assert ack.status_code == 200, ack.text
        assert ack.json()["acknowledged_by"] == "h-b"
        state = (await client.get(f"/v1/pages/{page_id}")).json()
    assert state["chains"]["handler"]["index"] == 1 and state["acknowledged_at"]
    rig.clock.advance(timedelta(minutes=30))
    assert await rig.ports.delivery.timers.pending("page") == []  # acknowledged: no further escalation
    assert len([d for d in await rig.notifications(c) if d["template"] == "urgent_page"]) == 4


async def test_the_sms_link_acknowledges(rig: Rig, directory: Directory) -> None:
    directory.person("h-x", pager="PG-X")
    await rig.publish(topics.ORG_CHANGED, roster(1, handler=["h-x"]))
    await poll_until(lambda: _roster_loaded(rig, 1), what="roster")
    c = cid()
    await rig.publish(topics.COMPLAINT_TRIAGED, triaged(c, urgency="urgent"))
    await rig.settled(c, 1, "urgent_page")
    link = next(m["ack_url"] for m in rig.sink_messages("pager") if m["recipient"] == "PG-X")
    async with rig.client() as client:
        form = await client.get(link)
        done = await client.post(link)
    assert form.status_code == 200 and "我已收到" in form.text
    assert done.status_code == 200 and "已确认" in done.text
    page = await rig.ports.pages.get(f"pg_{c}")
    assert page is not None and page["acknowledged_by"] == "h-x"
