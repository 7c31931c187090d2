"""The group-incident page's data (fake platform): the children of the declaring window and those
linked later, each once, with its register status and task; parts the token may not read left out."""

from __future__ import annotations

from typing import Any

from pm_console.service_layer import incident_view
from pm_console.service_layer.ports import PlatformError


class FakePlatform:
    def __init__(self, answers: dict[tuple[str, str], Any]) -> None:
        self.answers = answers
        self.calls: list[tuple[str, str, str | None]] = []

    async def call(
        self, service: str, method: str, path: str, *, token: str | None = None, params: dict[str, str] | None = None
    ) -> Any:
        self.calls.append((service, path, token))
        if (service, path) not in self.answers:
            raise PlatformError(404, {"error": {"code": "not_found", "message": "", "message_en": ""}})
        return self.answers[(service, path)]


async def test_children_with_their_status_and_the_parent_task() -> None:
    platform = FakePlatform(
        {
            ("intake", "/v1/complaints/c1"): {"complaint_id": "c1", "reference_no": "SUNNY-1", "status": "in_progress"},
            ("intake", "/v1/complaints/c2"): {"complaint_id": "c2", "reference_no": "SUNNY-2", "status": "done"},
            ("dispatch", "/v1/tasks/T-c1"): {"task_id": "T-c1", "status": "accepted"},
            ("dispatch", "/v1/tasks/T-INC-1"): {"task_id": "T-INC-1", "status": "assigned"},
        }
    )
    incident = {"incident_id": "INC-1", "complaint_ids": ["c1", "c2"], "children": ["c2", "c1", "c3"]}
    assert incident_view.child_ids(incident) == ["c1", "c2", "c3"]
    view = await incident_view.gather(platform, "tok", incident)
    assert view["parent_task"] == {"task_id": "T-INC-1", "status": "assigned"}
    rows = {c["complaint_id"]: c for c in view["children"]}
    assert [c["complaint_id"] for c in view["children"]] == ["c1", "c2", "c3"]
    assert rows["c1"]["item"]["status"] == "in_progress" and rows["c1"]["task"]["status"] == "accepted"
    assert rows["c2"]["task"] is None  # no task (or not readable): left out, the row stays
    assert rows["c3"]["item"] is None and view["more"] == 0
    assert {token for _, _, token in platform.calls} == {"tok"}  # every read with the session's token
