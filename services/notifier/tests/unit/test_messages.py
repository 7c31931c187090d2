"""Messages people read (Chinese first, English alongside) and idempotent sending."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from pm_common.events import Envelope, TaskOverdue, new_event
from pm_notifier.service_layer import handlers

pytestmark = pytest.mark.unit
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


class FakeRepo:
    def __init__(self) -> None:
        self.docs: dict[str, dict[str, Any]] = {}
        self.events: list[Envelope] = []

    async def add_once(self, document: dict[str, Any], event: Envelope) -> bool:
        if document["_id"] in self.docs:
            return False
        self.docs[document["_id"]] = document
        self.events.append(event)
        return True


async def test_overdue_escalation_message_once_per_cause() -> None:
    overdue = TaskOverdue(
        task_id="T-1",
        complaint_id="c1",
        estate_id="SUNNY",
        due_at=NOW,
        overdue_at=NOW,
        escalation_level=2,
        escalate_to="supervisor",
    )
    envelope = new_event(overdue, source="s", subject="c1", estate_id="SUNNY")
    repo = FakeRepo()
    assert await handlers.notify(envelope, overdue, repo, NOW)
    assert not await handlers.notify(envelope, overdue, repo, NOW)
    sent = repo.events[0]
    assert sent.type == "feedback.sent" and sent.causationid == envelope.id
    assert "客服主管" in sent.data["message_zh"] and "supervisor" in sent.data["message_en"]
    assert sent.data["recipient_role"] == "supervisor"


async def test_events_without_a_message_are_ignored() -> None:
    assert handlers.message_for(object()) is None
