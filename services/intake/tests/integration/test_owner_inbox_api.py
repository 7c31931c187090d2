"""The anonymous owner's inbox (issue #12: "anonymous complainants are reached only through their
tracking token's channel"): every message the notifier delivered to the owner (``feedback.sent``,
recipient ``owner``) appears in intake's owner view opened with the tracking token, once, even when
the event is redelivered; staff messages never do; and nothing that identifies the owner is stored —
the item holds no personal data, no owner key and not the token itself (only its hash)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from conftest import Intake
from pm_common import topics
from pm_common.events import FeedbackSent, new_event
from pm_common.kafka import KafkaPublisher
from pm_common.testing import poll_until
from pm_common.testing.fixtures import Engines

pytestmark = pytest.mark.integration


def _sent(cid: str, n: int, role: str = "owner", template: str = "acknowledgement") -> FeedbackSent:
    return FeedbackSent(
        notification_id=f"d_{cid[:8]}{n}",
        complaint_id=cid,
        estate_id="SUNNY",
        recipient_role=role,  # type: ignore[arg-type]
        channel="app" if role == "owner" else "console",  # the notifier announces its inbox channel as app
        template=template,
        message_zh=f"【SUNNY】消息 {n}",
        message_en=f"[SUNNY] message {n}",
        sent_at=datetime.now(UTC),
    )


async def test_the_tracking_token_opens_the_anonymous_owners_inbox(intake: Intake, engines: Engines) -> None:
    gateway = await intake.new_key(["anonymous"], ["SUNNY"], "匿名信箱")
    async with intake.client(headers={"X-Api-Key": gateway}) as client:
        ack = (
            await client.post(
                "/v1/complaints",
                json={"estate_id": "SUNNY", "channel": "anonymous", "content": "保洁员把垃圾倒在绿化带里"},
            )
        ).json()
        cid, token = ack["complaint_id"], ack["tracking_token"]
        session = await client.post("/v1/owner/session", json={"tracking_token": token})
        assert session.status_code == 200, session.text
    owner = {"Authorization": f"Bearer {session.json()['token']}"}
    publisher = KafkaPublisher(engines.kafka_bootstrap, intake.settings.topic_prefix)
    try:
        first = new_event(_sent(cid, 1), source="pm/notifier", estate_id="SUNNY")
        await publisher.publish(topics.FEEDBACK_SENT, first)
        await publisher.publish(topics.FEEDBACK_SENT, first)  # redelivered
        staff_only = _sent(cid, 2, role="handler", template="assignment")
        await publisher.publish(topics.FEEDBACK_SENT, new_event(staff_only, source="pm/notifier", estate_id="SUNNY"))
        survey = _sent(cid, 3, template="survey_invitation")
        await publisher.publish(topics.FEEDBACK_SENT, new_event(survey, source="pm/notifier", estate_id="SUNNY"))
    finally:
        await publisher.close()

    async with intake.client(headers=owner) as client:

        async def both() -> dict | None:  # type: ignore[type-arg]
            item = (await client.get(f"/v1/owner/complaints/{cid}")).json()
            return item if len(item["inbox"]) >= 2 else None

        item = await poll_until(both, what="the owner's messages in the inbox")
        assert [(m["template"], m["message_zh"]) for m in item["inbox"]] == [
            ("acknowledgement", "【SUNNY】消息 1"),
            ("survey_invitation", "【SUNNY】消息 3"),
        ]
        assert item["inbox"][1]["message_en"] == "[SUNNY] message 3" and item["inbox"][0]["at"]
        listed = (await client.get("/v1/owner/complaints")).json()
        assert [len(i["inbox"]) for i in listed] == [2]
        assert (await client.get("/v1/owner/complaints/other-item")).status_code == 404
    stored = await intake.mongo.collection("complaints").find_one({"_id": cid})
    assert stored is not None and "pii" not in stored and "owner_key" not in stored
    assert token not in str(stored) and stored["tracking_hash"]  # the token itself is never stored
    assert len(stored["inbox"]) == 2 and all(set(m) >= {"notification_id", "channel"} for m in stored["inbox"])
