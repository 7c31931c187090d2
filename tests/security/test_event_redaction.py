"""Issue #9 hole 1 (the owner was sent the caller's text verbatim) and the masked free texts of the
bus: what a handler types into a task (result summary, notes, reasons) leaves dispatch redacted, on
every event it queues for the outbox; the clear text stays on the task sheet."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from pm_common.events import TaskCompleted
from pm_common.events.task_lifecycle import TaskResolved
from pm_dispatch.domain.task import Task

pytestmark = pytest.mark.unit
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
TYPED = "已修好。业主张伟电话13812345678，身份证440305198807152345，车牌粤B·D12345 已挪走"


def test_free_texts_a_handler_types_leave_dispatch_redacted() -> None:
    task = Task(id="T-c1", complaint_id="c1", estate_id="SUNNY", category="engineering")
    ids = {"task_id": "T-c1", "complaint_id": "c1", "estate_id": "SUNNY"}
    task.emit(TaskResolved(**ids, actor_id="h-1", at=NOW, handling_mode="rectification", result_summary=TYPED))
    task.emit(TaskCompleted(**ids, result_summary=TYPED, completed_at=NOW))
    on_the_bus = [envelope.to_json().decode() for _topic, envelope in task.envelopes()]
    assert len(on_the_bus) == 2
    for text in on_the_bus:
        for clear in ("13812345678", "440305198807152345", "D12345"):
            assert clear not in text
        assert "138****5678" in text and "已修好" in text  # the gist stays readable
