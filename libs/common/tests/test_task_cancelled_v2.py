"""task.cancelled v2: the reason of a cancel grows (cancel_reason) without breaking v1 readers; a v1
event is upcast to a withdrawal."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from pm_common.events import TaskCancelled, new_event
from pm_common.events.history import TaskCancelledV1
from pm_common.events.registry import EVENT_TYPES, parse_payload
from pm_common.events.tolerant import known_fields

pytestmark = pytest.mark.unit
NOW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


def _cancelled(**extra: object) -> TaskCancelled:
    return TaskCancelled(
        task_id="T-c1", complaint_id="c1", estate_id="SUNNY", reason="withdrawn", cancelled_at=NOW, **extra
    )


def test_v1_is_upcast_to_a_withdrawal_and_v2_carries_the_reason() -> None:
    assert EVENT_TYPES["task.cancelled"] == (2, TaskCancelled)
    event = new_event(_cancelled(cancel_reason="duplicate", actor_id="sup-1"), source="pm/dispatch", estate_id="SUNNY")
    assert event.schemaversion == 2 and event.data["cancel_reason"] == "duplicate"
    v1 = TaskCancelledV1(task_id="T-c1", complaint_id="c1", estate_id="SUNNY", reason="withdrawn", cancelled_at=NOW)
    old = event.model_copy(update={"schemaversion": 1, "data": v1.model_dump(mode="json")})
    upcast = parse_payload(old)
    assert isinstance(upcast, TaskCancelled) and upcast.cancel_reason == "withdrawn" and upcast.actor_id is None
    assert parse_payload(event) == _cancelled(cancel_reason="duplicate", actor_id="sup-1")


def test_a_v1_reader_still_reads_every_v2_cancel() -> None:
    """The point of keeping ``reason`` at ``withdrawn``: a consumer still on v1 reads any v2 event."""
    for why in ("withdrawn", "duplicate", "invalid", "merged_into_incident", "supervisor_other"):
        data = _cancelled(cancel_reason=why, note="重复").model_dump(mode="json")
        assert TaskCancelledV1.model_validate(known_fields(TaskCancelledV1, data)).task_id == "T-c1"
    with pytest.raises(ValidationError):
        _cancelled(cancel_reason="because")  # the reasons are a closed list
