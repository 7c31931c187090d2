"""The escalation ladder and the overdue scan with an in-memory timer store."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from pm_common.events import Envelope, TaskAssigned, TaskCancelled, TaskCompleted
from pm_sla_monitor.domain.escalation import next_escalation_at, target_of
from pm_sla_monitor.service_layer import handlers

pytestmark = pytest.mark.unit
DUE = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
STEP = timedelta(hours=4)


class FakeTimers:
    def __init__(self) -> None:
        self.docs: dict[str, dict[str, Any]] = {}
        self.events: list[Envelope] = []

    async def arm_once(self, document: dict[str, Any]) -> bool:
        if document["_id"] in self.docs:
            return False
        self.docs[document["_id"]] = dict(document)
        return True

    async def stop(self, task_id: str, base: dict[str, Any], now: datetime) -> None:
        self.docs.setdefault(task_id, {"_id": task_id, **base, "level": 0})["state"] = "stopped"

    async def due(self, now: datetime, limit: int) -> list[dict[str, Any]]:
        return [dict(d) for d in self.docs.values() if d["state"] == "armed" and d["next_at"] <= now][:limit]

    async def escalate(self, task_id: str, from_level: int, update: dict[str, Any], event: Envelope) -> bool:
        doc = self.docs[task_id]
        if doc["state"] != "armed" or doc["level"] != from_level:
            return False
        doc.update(update["$set"])
        self.events.append(event)
        return True


def assigned() -> TaskAssigned:
    return TaskAssigned(
        task_id="T-1",
        complaint_id="c1",
        estate_id="SUNNY",
        department="engineering",
        category="engineering",
        urgency="general",
        due_at=DUE,
        assigned_at=DUE - timedelta(days=2),
    )


def test_ladder() -> None:
    assert [target_of(n) for n in (1, 2, 3, 4)] == ["handler", "supervisor", "project_manager", "company"]
    assert next_escalation_at(DUE, 1, STEP) == DUE + STEP
    assert next_escalation_at(DUE, 4, STEP) is None


async def test_escalates_level_by_level_once_each() -> None:
    repo = FakeTimers()
    assert await handlers.on_assigned(assigned(), repo)
    assert not await handlers.on_assigned(assigned(), repo)  # redelivery
    assert await handlers.escalate_due(repo, DUE - timedelta(seconds=1), STEP) == 0
    assert await handlers.escalate_due(repo, DUE, STEP) == 1
    assert await handlers.escalate_due(repo, DUE, STEP) == 0  # not twice
    assert await handlers.escalate_due(repo, DUE + 10 * STEP, STEP) == 1  # one level per pass
    levels = [e.data["escalate_to"] for e in repo.events]
    assert levels == ["handler", "supervisor"]
    for _ in range(5):
        await handlers.escalate_due(repo, DUE + 10 * STEP, STEP)
    assert [e.data["escalation_level"] for e in repo.events] == [1, 2, 3, 4]
    assert repo.docs["T-1"]["state"] == "exhausted"


async def test_completion_stops_the_timer_even_before_assignment_arrives() -> None:
    repo = FakeTimers()
    done = TaskCompleted(task_id="T-1", complaint_id="c1", estate_id="SUNNY", result_summary="ok", completed_at=DUE)
    await handlers.on_completed(done, repo, DUE)
    assert not await handlers.on_assigned(assigned(), repo)
    assert await handlers.escalate_due(repo, DUE + STEP, STEP) == 0


async def test_cancellation_stops_the_timer() -> None:
    repo = FakeTimers()
    await handlers.on_assigned(assigned(), repo)
    cancelled = TaskCancelled(task_id="T-1", complaint_id="c1", estate_id="SUNNY", reason="withdrawn", cancelled_at=DUE)
    await handlers.on_completed(cancelled, repo, DUE)
    assert await handlers.escalate_due(repo, DUE + STEP, STEP) == 0
    assert repo.docs["T-1"]["state"] == "stopped"
