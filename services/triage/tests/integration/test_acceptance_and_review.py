"""Responsibility check, every non-acceptance reason, and supervisor review on the real engines."""

from __future__ import annotations

import csv
import importlib.util
import io
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType

import pytest

from pm_common import topics
from pm_common.events import TaskCompleted, new_event
from pm_common.testing import poll_until

pytestmark = pytest.mark.integration
TOOL = Path(__file__).resolve().parents[4] / "tools" / "export_triage_reviews.py"


def export_tool() -> ModuleType:
    spec = importlib.util.spec_from_file_location("export_triage_reviews", TOOL)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


async def test_each_non_acceptance_reason_automatic_or_proposed(triage) -> None:  # type: ignore[no-untyped-def]
    outside = await triage.complain("宽带老掉线，网速慢得要死，物业管管电信啊", building="1", room="101")
    litigation = await triage.complain("我跟房东因为押金的事闹到仲裁了，物业帮我开个证明", building="1", room="102")
    vague_anonymous = await triage.complain("物业太差了", anonymous=True)
    vague_reachable = await triage.complain("物业太差了", building="1", room="103")
    accepted = await triage.complain("垃圾桶好几天没清了，都堆到外面来了", area="5号垃圾房")

    data = (await triage.triaged(outside.subject))[0].data
    assert (data["decision"], data["rejection_reason"]) == ("rejected", "outside_duties")
    assert "运营商" in data["referral"]
    data = (await triage.triaged(litigation.subject))[0].data
    assert (data["decision"], data["rejection_reason"]) == ("rejected", "in_litigation")
    data = (await triage.triaged(vague_anonymous.subject))[0].data
    assert (data["decision"], data["rejection_reason"]) == ("rejected", "no_facts")
    data = (await triage.triaged(vague_reachable.subject))[0].data
    assert (data["decision"], data["rejection_reason"]) == ("needs_review", "no_facts")  # staff can call back
    assert data["review_reasons"] == ["non_acceptance_proposal:no_facts"]
    assert (await triage.triaged(accepted.subject))[0].data["decision"] == "accepted"

    async with triage.client() as client:
        queue = (await client.get("/v1/reviews", params={"estate_id": "SUNNY"})).json()
        assert [item["complaint_id"] for item in queue] == [vague_reachable.subject]
        confirmed = await client.post(f"/v1/triages/{vague_reachable.subject}/review", json={"action": "confirm"})
        assert confirmed.status_code == 200, confirmed.text
        # verified false or malicious: never automatic, a supervisor's decision on an item waiting for review
        accused = await triage.complain("你们物业就是一群吃干饭的，垃圾物业，啥也不是", building="1", room="104")
        waiting = (await triage.triaged(accused.subject))[0].data
        assert waiting["decision"] == "needs_review" and waiting["rejection_reason"] == "no_facts"
        verdict = {
            "action": "reject",
            "rejection_reason": "false_or_malicious",
            "note": "多次恶意辱骂，经核实无具体事项",
        }
        rejected = await client.post(f"/v1/triages/{accused.subject}/review", json=verdict)
        assert rejected.status_code == 200, rejected.text
        conflict = await client.post(f"/v1/triages/{accepted.subject}/review", json=verdict)
        assert conflict.status_code == 409 and conflict.json()["error"]["code"] == "not_awaiting_review"
        assert conflict.json()["error"]["message"].startswith("该事项当前无需主管复核")
    refused = (await triage.triaged(vague_reachable.subject, count=2))[1].data
    assert (refused["decision"], refused["rejection_reason"]) == ("rejected", "no_facts")
    assert refused["review"]["action"] == "confirm" and refused["review"]["reviewed_by"] == "sup-1"
    malicious = (await triage.triaged(accused.subject, count=2))[1].data
    assert (malicious["decision"], malicious["rejection_reason"]) == ("rejected", "false_or_malicious")
    assert malicious["review"]["note"] == "多次恶意辱骂，经核实无具体事项"


async def test_repeat_of_an_item_already_answered_with_no_new_facts(triage) -> None:  # type: ignore[no-untyped-def]
    text = "5号楼2单元301门口的楼道灯坏了一个多月了，晚上上楼什么都看不见"  # not urgent: never refused otherwise
    first = await triage.complain(text, building="5", unit="2", room="301")
    assert (await triage.triaged(first.subject))[0].data["decision"] == "accepted"
    same_open = await triage.complain(text + "。", building="5", unit="2", room="301")
    data = (await triage.triaged(same_open.subject))[0].data
    assert (data["decision"], data["duplicate_of"]) == ("accepted", first.subject)  # linked, not dropped
    now = datetime.now(UTC)
    for cid in (first.subject, same_open.subject):  # dispatch reports both answered
        done = TaskCompleted(
            task_id=f"T-{cid}", complaint_id=cid, estate_id="SUNNY", result_summary="已修复", completed_at=now
        )
        await triage.publisher.publish(topics.TASK_COMPLETED, new_event(done, source="pm/dispatch", estate_id="SUNNY"))

    async def answered() -> bool:
        return await triage.mongo.collection("answers").count_documents({}) == 2

    await poll_until(answered, what="answers recorded from task.completed")
    repeat = await triage.complain(text, building="5号楼", unit="2", room="301")
    data = (await triage.triaged(repeat.subject))[0].data
    assert (data["decision"], data["rejection_reason"]) == ("rejected", "repeat")
    assert any(e["feature"] == "history:repeat" for e in data["evidence"])
    new_facts = await triage.complain(
        "5号楼2单元301门口的楼道灯修过以后又坏了，这次是灯一闪一闪的还嗡嗡响", building="5", unit="2", room="301"
    )
    assert (await triage.triaged(new_facts.subject))[0].data["decision"] != "rejected"


async def test_low_confidence_waits_for_a_supervisor_whose_override_is_recorded(  # type: ignore[no-untyped-def]
    triage_settings, mongo, serve_triage
) -> None:
    async with serve_triage(triage_settings(review_confidence=0.999), mongo) as triage:
        item = await triage.complain("楼道里有股怪味，也不知道哪来的", building="6", room="201")
        data = (await triage.triaged(item.subject))[0].data
        assert data["decision"] == "needs_review" and "low_confidence" in data["review_reasons"]
        async with triage.client() as client:
            no_note = await client.post(
                f"/v1/triages/{item.subject}/review", json={"action": "override", "category": "engineering"}
            )
            assert no_note.status_code == 422 and no_note.json()["error"]["message"] == "修改或不予受理必须填写理由"
            async with triage.client("front_desk") as desk:
                assert (
                    await desk.post(f"/v1/triages/{item.subject}/review", json={"action": "confirm"})
                ).status_code == 403
            body = {"action": "override", "category": "engineering", "urgency": "urgent", "note": "疑似燃气泄漏"}
            response = await client.post(f"/v1/triages/{item.subject}/review", json=body)
            assert response.status_code == 200, response.text
            assert (await client.post(f"/v1/triages/{item.subject}/review", json=body)).status_code == 409
            history = (await client.get("/v1/reviews/history", params={"estate_id": "SUNNY"})).json()
            assert history[0]["complaint_id"] == item.subject and history[0]["reviewed_by"] == "sup-1"
            assert history[0]["note"] == "疑似燃气泄漏" and "urgency" in history[0]["changed"]
            assert history[0]["before"]["decision"] == "needs_review" and history[0]["after"]["urgency"] == "urgent"
            record = (await client.get(f"/v1/triages/{item.subject}")).json()
            assert record["decision"] == "accepted" and record["review"]["action"] == "override"
        exported = io.StringIO()  # the override data, exported for rule improvement
        assert await export_tool().export(triage.settings.mongo_url, mongo.db.name, "SUNNY", None, exported) == 1
        (row,) = list(csv.DictReader(io.StringIO(exported.getvalue()), delimiter="\t"))
        assert (row["category"], row["urgency"], row["text"]) == (
            "engineering",
            "urgent",
            "楼道里有股怪味，也不知道哪来的",
        )
        assert row["rule_decision"] == "needs_review" and row["note"] == "疑似燃气泄漏"
        reviewed = (await triage.triaged(item.subject, count=2))[1]
        assert reviewed.correlationid == item.correlationid
        data = reviewed.data
        assert (data["decision"], data["category"], data["urgency"]) == ("accepted", "engineering", "urgent")
        assert data["deadlines"]["onsite_by"] is not None and data["review"]["original_urgency"] != "urgent"
