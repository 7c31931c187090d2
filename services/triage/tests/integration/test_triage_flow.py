"""complaint.received → complaint.triaged on the real engines: classification with deadlines, the
statutory calendar, estate policy and lexicon set through the API, idempotent reprocessing."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from pm_common import topics
from pm_common.testing import poll_until

pytestmark = pytest.mark.integration
SH = ZoneInfo("Asia/Shanghai")


def local(value: str) -> datetime:
    return datetime.fromisoformat(value).astimezone(SH)


async def test_classification_to_triaged_event_with_deadlines_once_per_complaint(triage) -> None:  # type: ignore[no-untyped-def]
    envelope = await triage.complain(
        "3号楼2单元电梯困人了，里面有老人，快来人！！！", building="3", unit="2", room="1201"
    )
    await triage.publisher.publish(topics.COMPLAINT_RECEIVED, envelope)  # redelivered
    event = (await triage.triaged(envelope.subject))[0]
    data = event.data
    assert event.causationid == envelope.id and event.correlationid == envelope.correlationid
    assert (data["decision"], data["category"], data["urgency"], data["scope"]) == (
        "accepted",
        "engineering",
        "urgent",
        "building",
    )
    assert data["emotional"] is True and any(e["feature"] == "rule:lift_entrapment" for e in data["evidence"])
    received_at = datetime.fromisoformat(data["received_at"])
    assert (datetime.fromisoformat(data["deadlines"]["onsite_by"]) - received_at).total_seconds() == 2 * 3600
    assert (datetime.fromisoformat(data["deadlines"]["dispatch_by"]) - received_at).total_seconds() == 15 * 60
    assert data["fault_key"] == "SUNNY|3号楼/电梯|engineering"
    # a later complaint is triaged after the redelivery was consumed: still exactly one triaged event
    later = await triage.complain("小区路灯有好几个不亮，晚上走路不安全", area="中心花园")
    await triage.triaged(later.subject)
    assert len([e for e in await triage.events(topics.COMPLAINT_TRIAGED) if e.subject == envelope.subject]) == 1
    async with triage.client("front_desk") as client:
        record = (await client.get(f"/v1/triages/{envelope.subject}")).json()
        assert record["decision"] == "accepted" and record["household"] == "SUNNY|3|2|1201" and "outbox" not in record
        assert (await client.get("/v1/triages/nope")).json()["error"]["message"] == "未找到该分类记录"


async def test_deadline_crosses_spring_festival_and_counts_the_make_up_saturday(triage) -> None:  # type: ignore[no-untyped-def]
    friday = datetime(2026, 2, 13, 10, 0, tzinfo=SH)  # Sat 14 Feb is a 调休 working day; 15–23 Feb holiday
    repair = await triage.complain("2号楼楼道的声控灯不亮了，跺脚也没反应", building="2", received_at=friday)
    data = (await triage.triaged(repair.subject))[0].data
    assert (data["category"], data["urgency"]) == ("engineering", "general")
    assert local(data["deadlines"]["dispatch_by"]) == datetime(2026, 2, 15, 0, 0, tzinfo=SH)  # end of the 调休 Saturday
    assert local(data["deadlines"]["resolve_by"]) == datetime(2026, 2, 25, 0, 0, tzinfo=SH)  # end of Tue 24 Feb
    assert data["deadlines"]["warnings"] == []
    fees = await triage.complain("我交了一年的物业费，系统还显示欠费，还发催缴短信", received_at=friday)
    fees_data = (await triage.triaged(fees.subject))[0].data
    assert fees_data["category"] == "fees_finance"  # a complaint: 3 working days (Sat 14, Tue 24, Wed 25)
    assert local(fees_data["deadlines"]["resolve_by"]) == datetime(2026, 2, 26, 0, 0, tzinfo=SH)


async def test_the_sla_policy_is_no_longer_served_by_triage(triage) -> None:  # type: ignore[no-untyped-def]
    """The estate's SLA policy moved to the SLA monitor (port 8004); triage proposes from the defaults."""
    async with triage.client() as client:
        assert (await client.get("/v1/estates/SUNNY/sla-policy")).status_code == 404
        assert (await client.put("/v1/estates/SUNNY/sla-policy", json={"repair_working_days": 3})).status_code in (
            404,
            405,
        )


async def test_estate_lexicon_overlay_applies_to_preview_and_complaints_without_restart(triage) -> None:  # type: ignore[no-untyped-def]
    async with triage.client("supervisor", ("SUNNY", "JADE")) as client:
        before = (await client.post("/v1/classify", json={"text": "水浸街了", "estate_id": "JADE"})).json()
        assert before["category"] == "other" and before["out_of_scope"] is True
        invalid = await client.put("/v1/estates/JADE/lexicon", json={"overlay": {"urgency": {"threshold": "high"}}})
        assert invalid.status_code == 422 and invalid.json()["error"]["code"] == "invalid_lexicon"
        assert invalid.json()["error"]["message"].startswith("词库配置无效")
        overlay = {"categories": {"engineering": {"水浸街": 6}}, "facilities": {"estate": {"水浸街": "排水"}}}
        saved = await client.put("/v1/estates/JADE/lexicon", json={"overlay": overlay, "note": "粤语说法"})
        assert saved.status_code == 200 and saved.json()["revision"]
        after = (await client.post("/v1/classify", json={"text": "水浸街了", "estate_id": "JADE"})).json()
        assert after["category"] == "engineering" and after["out_of_scope"] is False
        assert after["lexicon_revision"] == saved.json()["revision"]
        other = (await client.post("/v1/classify", json={"text": "水浸街了", "estate_id": "SUNNY"})).json()
        assert other["category"] == "other"
        assert (await client.get("/v1/estates/JADE/lexicon")).json()["overlay"] == overlay
    async with triage.client("front_desk", ("SUNNY",)) as desk:
        assert (await desk.post("/v1/classify", json={"text": "x", "estate_id": "JADE"})).status_code == 403
    complaint = await triage.complain("楼下水浸街了", estate_id="JADE")
    data = (await triage.triaged(complaint.subject))[0].data
    assert data["category"] == "engineering" and data["fault_key"] == "JADE|排水|engineering"

    async def history_logged() -> bool:
        return await triage.mongo.collection("config_history").count_documents({"estate_id": "JADE"}) >= 1

    await poll_until(history_logged, what="configuration change recorded")
