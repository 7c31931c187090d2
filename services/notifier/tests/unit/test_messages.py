"""Messages people read (Chinese first, English alongside) and idempotent sending."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from pm_common.events import TaskOverdue, new_event
from pm_common.testing.fakes import InMemoryStore
from pm_notifier.service_layer import handlers

pytestmark = pytest.mark.unit
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


FakeRepo = InMemoryStore


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
    envelope = new_event(overdue, source="s", estate_id="SUNNY")
    repo = FakeRepo()
    assert await handlers.notify(envelope, overdue, repo, NOW)
    assert not await handlers.notify(envelope, overdue, repo, NOW)
    sent = repo.events[0]
    assert sent.type == "feedback.sent" and sent.causationid == envelope.id
    assert "客服主管" in sent.data["message_zh"] and "supervisor" in sent.data["message_en"]
    assert sent.data["recipient_role"] == "supervisor"


async def test_events_without_a_message_are_ignored() -> None:
    assert handlers.message_for(object()) is None
