"""The staff ledger over HTTP on the real engines: every filter, text search, keyset paging, bad
cursors, and the index following status changes (also redelivered events and withdrawals)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from conftest import Intake
from pm_common import topics
from pm_common.events import Envelope, new_event
from pm_common.events.payloads import ComplaintTriaged, Deadlines, TaskAssigned
from pm_common.kafka import KafkaPublisher
from pm_common.testing import poll_until
from pm_common.testing.fixtures import Engines

pytestmark = pytest.mark.integration

ITEMS = [  # estate, channel, content
    ("SUNNY", "app", "地下车库B区漏水，积水很深"),
    ("SUNNY", "phone", "3号楼电梯困人，快来人"),
    ("SUNNY", "wechat", "垃圾没有及时清运，味道很大"),
    ("SUNNY", "app", "楼道灯不亮，晚上看不见"),
    ("SUNNY", "phone", "5号楼楼顶漏水到家里"),
    ("JADE", "app", "保安夜班在岗亭睡觉"),
    ("JADE", "app", "小区东门漏水"),
]


async def _file(client: httpx.AsyncClient, staff: dict[str, str], estate: str, channel: str, text: str) -> str:
    body: dict[str, Any] = {"estate_id": estate, "channel": channel, "content": text}
    if channel == "phone":
        body["owner"] = {"phone": "13812341234"}
    if channel == "wechat":
        body["channel_details"] = {"wechat_source": "mini_program"}
    response = await client.post("/v1/complaints", json=body, headers=staff)
    assert response.status_code == 201, response.text
    return str(response.json()["complaint_id"])


def _triaged(cid: str, estate: str, category: str) -> Envelope:
    now = datetime.now(UTC)
    payload = ComplaintTriaged(
        complaint_id=cid,
        estate_id=estate,
        decision="accepted",
        category=category,
        urgency="general",  # type: ignore[arg-type]
        scope="unit",
        confidence=0.9,
        deadlines=Deadlines(dispatch_by=now, resolve_by=now),
        triaged_at=now,
    )
    return new_event(payload, source="test", estate_id=estate)


def _assigned(cid: str, estate: str, handler: str) -> Envelope:
    now = datetime.now(UTC)
    payload = TaskAssigned(
        task_id=f"t-{cid}",
        complaint_id=cid,
        estate_id=estate,
        department="engineering",
        handler_id=handler,
        category="engineering",
        urgency="general",
        due_at=now,
        assigned_at=now,
    )
    return new_event(payload, source="test", estate_id=estate)


async def _ids(client: httpx.AsyncClient, staff: dict[str, str], **params: Any) -> list[str]:
    response = await client.get("/v1/complaints", params=params, headers=staff)
    assert response.status_code == 200, response.text
    return [i["complaint_id"] for i in response.json()["items"]]


async def test_filters_text_search_and_keyset_paging(intake: Intake, engines: Engines) -> None:
    both = intake.staff(role="supervisor", estates=("SUNNY", "JADE"), sub="sup-1")
    async with intake.client() as client:
        before = datetime.now(UTC) - timedelta(seconds=1)
        ids = [await _file(client, both, e, c, t) for e, c, t in ITEMS]
        publisher = KafkaPublisher(engines.kafka_bootstrap, intake.settings.topic_prefix)
        try:
            await publisher.publish(topics.COMPLAINT_TRIAGED, _triaged(ids[0], "SUNNY", "engineering"))
            await publisher.publish(topics.COMPLAINT_TRIAGED, _triaged(ids[2], "SUNNY", "cleaning_greening"))
            await publisher.publish(topics.TASK_ASSIGNED, _assigned(ids[4], "SUNNY", "eng-7"))
        finally:
            await publisher.close()

        async def downstream_applied() -> bool:
            return len(await _ids(client, both, estate_id="SUNNY", status="received")) == 2

        await poll_until(downstream_applied, what="triage and dispatch reach the ledger")
        newest_first = list(reversed(ids))
        assert await _ids(client, both) == newest_first
        assert await _ids(client, both, estate_id="JADE") == [ids[6], ids[5]]
        assert await _ids(client, both, status="triaged") == [ids[2], ids[0]]
        assert await _ids(client, both, category="cleaning_greening") == [ids[2]]
        assert await _ids(client, both, category="engineering") == [ids[4], ids[0]]  # the task's category too
        assert await _ids(client, both, handler="eng-7") == [ids[4]]
        assert await _ids(client, both, department="engineering", status="in_progress") == [ids[4]]
        assert await _ids(client, both, channel="phone") == [ids[4], ids[1]]
        assert await _ids(client, both, date_from=before.isoformat(), date_to=before.isoformat()) == []
        assert await _ids(client, both, date_from=before.isoformat()) == newest_first
        assert await _ids(client, both, q="漏水") == [ids[6], ids[4], ids[0]]
        assert await _ids(client, both, q="漏水", estate_id="SUNNY", status="triaged") == [ids[0]]
        assert await _ids(client, both, q="电梯困人") == [ids[1]]
        assert await _ids(client, both, q="ｂ区") == [ids[0]]  # full-width and case folded
        assert await _ids(client, both, q="睡") == [ids[5]]
        assert await _ids(client, both, q="漏 水") == []  # substring semantics, as before
        jade_only = intake.staff(estates=("JADE",), sub="desk-jade")
        assert await _ids(client, jade_only, q="漏水") == [ids[6]]

        seen: list[str] = []
        params: dict[str, Any] = {"page_size": 3}
        for _ in range(5):
            page = (await client.get("/v1/complaints", params=params, headers=both)).json()
            assert page["total"] == 7 and page["total_exact"] is True
            seen += [i["complaint_id"] for i in page["items"]]
            if page["next_cursor"] is None:
                break
            params["cursor"] = page["next_cursor"]
        assert seen == newest_first
        assert await _ids(client, both, page=2, page_size=3) == newest_first[3:6]  # page numbers still work

        first = (await client.get("/v1/complaints", params={"page_size": 2}, headers=both)).json()
        wrong = await client.get(
            "/v1/complaints",
            params={"page_size": 2, "status": "received", "cursor": first["next_cursor"]},
            headers=both,
        )
        assert wrong.status_code == 422
        error = wrong.json()["error"]
        assert error["code"] == "invalid_cursor" and "查询条件不符" in error["message"] and error["message_en"]
        assert error["fields"][0]["field"] == "cursor"
        garbage = await client.get("/v1/complaints", params={"cursor": "bm9wZQ"}, headers=both)
        assert garbage.status_code == 422 and garbage.json()["error"]["message"] == "分页游标无效"


async def test_the_index_follows_status_changes_redeliveries_and_withdrawal(intake: Intake, engines: Engines) -> None:
    staff = intake.staff(role="supervisor", sub="sup-1")
    async with intake.client() as client:
        cid = await _file(client, staff, "SUNNY", "phone", "水管爆裂，楼道全是水")
        triaged, assigned = _triaged(cid, "SUNNY", "engineering"), _assigned(cid, "SUNNY", "eng-3")
        publisher = KafkaPublisher(engines.kafka_bootstrap, intake.settings.topic_prefix)
        try:
            for topic, envelope in ((topics.COMPLAINT_TRIAGED, triaged), (topics.TASK_ASSIGNED, assigned)):
                await publisher.publish(topic, envelope)
                await publisher.publish(topic, envelope)  # at-least-once: the same event again
            await publisher.publish(topics.COMPLAINT_TRIAGED, triaged)  # and late, after the assignment
        finally:
            await publisher.close()

        async def assigned_applied() -> bool:
            return await _ids(client, staff, status="in_progress") == [cid]

        await poll_until(assigned_applied, what="in_progress in the ledger")
        for stale in ("received", "triaged"):
            assert await _ids(client, staff, status=stale) == []
        page = (await client.get("/v1/complaints", params={"handler": "eng-3"}, headers=staff)).json()
        assert [i["complaint_id"] for i in page["items"]] == [cid] and page["total"] == 1
        assert page["items"][0]["category"] == "engineering" and page["items"][0]["handler_id"] == "eng-3"

        sent = (await client.post("/v1/owner/otp", json={"phone": "13812341234"})).json()
        session = await client.post("/v1/owner/session", json={"phone": "13812341234", "code": sent["dev_code"]})
        owner = {"Authorization": f"Bearer {session.json()['token']}"}
        mine = (await client.get("/v1/owner/complaints", headers=owner)).json()
        assert [i["complaint_id"] for i in mine] == [cid]  # the owner index, by _id
        gone = await client.post(f"/v1/owner/complaints/{cid}/withdraw", json={"reason": "已修好"}, headers=owner)
        assert gone.status_code == 200
        assert await _ids(client, staff, status="withdrawn") == [cid]
        assert await _ids(client, staff, status="in_progress") == []
        assert await _ids(client, staff, q="水管爆裂", status="withdrawn") == [cid]
