"""Dispatch's part in group incidents, with an in-memory repository."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from pm_common.events import ComplaintTriaged, Deadlines, Envelope, new_event
from pm_common.events.payloads import GroupIncidentDeclared, GroupIncidentResolved
from pm_common.testing.fakes import InMemoryStore
from pm_dispatch.service_layer import handlers, incidents

pytestmark = pytest.mark.unit
NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)


class FakeRepo(InMemoryStore):
    def __init__(self) -> None:
        super().__init__()
        self.sheets: dict[str, dict[str, Any]] = {}

    async def complete(self, task_id: str, update: dict[str, Any], event: Envelope) -> bool:
        return await self.update_unless(task_id, ("done", "withdrawn"), update, event)

    async def open_sheet_once(self, document: dict[str, Any]) -> bool:
        if document["_id"] in self.sheets:
            return False
        self.sheets[document["_id"]] = document
        return True

    async def close_sheet(self, incident_id: str, fields: dict[str, Any]) -> None:
        self.sheets.setdefault(incident_id, {"_id": incident_id}).update(fields)


async def accepted(repo: FakeRepo, cid: str, **links: str) -> None:
    payload = ComplaintTriaged(
        complaint_id=cid,
        estate_id="SUNNY",
        decision="accepted",
        category="engineering",
        urgency="general",
        scope="building",
        confidence=0.9,
        triaged_at=NOW,
        deadlines=Deadlines(dispatch_by=NOW, resolve_by=NOW + timedelta(days=2)),
        **links,
    )
    await handlers.create_task(new_event(payload, source="t", estate_id="SUNNY"), payload, repo, NOW, None)


async def test_tasks_keep_their_links_and_an_incident_closes_them_with_one_answer() -> None:
    repo = FakeRepo()
    await accepted(repo, "a", related_to="x")
    await accepted(repo, "b", duplicate_of="a")
    await accepted(repo, "c", incident_id="INC-1")
    assert repo.docs["T-a"]["related_to"] == "x" and repo.docs["T-b"]["duplicate_of"] == "a"
    assert repo.docs["T-c"]["incident_id"] == "INC-1" and "duplicate_of" not in repo.docs["T-c"]
    await handlers.complete_task("T-c", "已单独处理", "h-1", repo, NOW)

    declared = GroupIncidentDeclared(
        incident_id="INC-1",
        estate_id="SUNNY",
        fault_key="SUNNY|3号楼/电梯|engineering",
        place="3号楼/电梯",
        category="engineering",
        window_start=NOW,
        window_end=NOW,
        threshold=3,
        complaint_ids=("a", "b", "c"),
        declared_at=NOW,
    )
    declared_env = new_event(declared, source="pm/triage", estate_id="SUNNY")
    assert await incidents.open_incident_sheet(declared_env, declared, repo, NOW)
    assert not await incidents.open_incident_sheet(declared_env, declared, repo, NOW)
    assert repo.sheets["INC-1"]["escalated_to"] == ["project_manager", "company"]

    resolved = GroupIncidentResolved(
        incident_id="INC-1",
        estate_id="SUNNY",
        complaint_ids=("a", "b", "c", "missing"),
        answer_zh="已更换主板",
        resolved_by="sup-1",
        resolved_at=NOW,
    )
    resolved_env = new_event(resolved, source="pm/triage", estate_id="SUNNY")
    before = len(repo.events)
    assert await incidents.close_incident_tasks(resolved_env, resolved, repo, NOW) == ["T-a", "T-b"]
    closing = repo.events[before:]
    assert [e.type for e in closing] == ["task.completed", "task.completed"]
    assert all(e.causationid == resolved_env.id and e.data["result_summary"] == "已更换主板" for e in closing)
    assert repo.docs["T-a"]["closed_by_incident"] == "INC-1" and repo.sheets["INC-1"]["status"] == "resolved"
    assert repo.sheets["INC-1"]["closed_task_ids"] == ["T-a", "T-b"]
    assert await incidents.close_incident_tasks(resolved_env, resolved, repo, NOW) == []  # redelivery
    assert repo.sheets["INC-1"]["closed_task_ids"] == ["T-a", "T-b"]  # not wiped by the redelivery
    assert len(repo.events) == before + 2
