"""The fail-safe on the real engines: an uncertain urgent item is dispatched (accepted, urgent) and
also waits in the supervisor queue; its review is recorded for retraining."""

from __future__ import annotations

import pytest

from pm_triage.entrypoints import retrain

pytestmark = pytest.mark.integration


async def test_uncertain_urgent_is_accepted_and_queued_for_review(triage) -> None:  # type: ignore[no-untyped-def]
    text = "电梯昨天把我邻居关里面半小时，你们维保到现在都没个说法"  # past, not said to be over
    uncertain = await triage.complain(text, building="2", room="201")
    sure = await triage.complain("3号楼电梯困人了，里面有老人，快来人", building="3", room="301")

    data = (await triage.triaged(uncertain.subject))[0].data
    assert (data["decision"], data["urgency"]) == ("accepted", "urgent")
    assert data["review_reasons"] == ["urgent_uncertain"]
    assert data["proposal"]["grade"] in ("major", "important") and data["proposal"]["model_version"]
    confident = (await triage.triaged(sure.subject))[0].data
    assert confident["review_reasons"] == [] and confident["proposal"]["grade"] == "major"

    async with triage.client() as client:
        queue = (await client.get("/v1/reviews", params={"estate_id": "SUNNY"})).json()
        assert [item["complaint_id"] for item in queue] == [uncertain.subject]
        refused = await client.post(
            f"/v1/triages/{uncertain.subject}/review",
            json={"action": "reject", "rejection_reason": "no_facts", "note": "x"},
        )
        assert refused.status_code == 422 and refused.json()["error"]["code"] == "invalid_review"
        reviewed = await client.post(
            f"/v1/triages/{uncertain.subject}/review",
            json={"action": "override", "urgency": "general", "note": "昨天的事，已处理完"},
        )
        assert reviewed.status_code == 200, reviewed.text
        assert (await client.get("/v1/reviews", params={"estate_id": "SUNNY"})).json() == []
        history = (await client.get("/v1/reviews/history", params={"estate_id": "SUNNY"})).json()
        assert history[0]["before"]["urgency"] == "urgent" and history[0]["after"]["urgency"] == "general"
    second = (await triage.triaged(uncertain.subject, count=2))[1].data
    assert second["review"]["previous_decision"] == "accepted" and second["urgency"] == "general"
    rows = await retrain.reviews_from_db("SUNNY", triage.settings.mongo_url, triage.settings.mongo_db)
    assert [(r["urgency"], r["text"]) for r in rows] == [("general", text)]  # the label for retraining
