"""What the group-incident pages show: triage's incidents (群诉) and, for one incident, each child
complaint with its register entry (intake: reference, status) and its task (dispatch: status,
assignee), plus the incident's parent task ``T-<incident id>``. Every part is read with the
session's token; a part the role may not read or a service that is down is left out."""

from __future__ import annotations

import asyncio
from typing import Any

from pm_console.service_layer.item_view import Platform, main_task_id, optional

MAX_CHILDREN = 200  # children read for one page (an incident is a handful to a few dozen reports)


def child_ids(incident: dict[str, Any]) -> list[str]:
    """The incident's complaints: the declaring window's, then those linked later (each once)."""
    return list(dict.fromkeys([*(incident.get("complaint_ids") or []), *(incident.get("children") or [])]))


async def _child(platform: Platform, token: str, complaint_id: str) -> dict[str, Any]:
    item, task = await asyncio.gather(
        optional(platform, "intake", f"/v1/complaints/{complaint_id}", token),
        optional(platform, "dispatch", f"/v1/tasks/{main_task_id(complaint_id)}", token),
    )
    return {"complaint_id": complaint_id, "item": item, "task": task}


async def gather(platform: Platform, token: str, incident: dict[str, Any]) -> dict[str, Any]:
    ids = child_ids(incident)
    parent, *children = await asyncio.gather(
        optional(platform, "dispatch", f"/v1/tasks/{main_task_id(str(incident['incident_id']))}", token),
        *(_child(platform, token, c) for c in ids[:MAX_CHILDREN]),
    )
    return {"parent_task": parent, "children": children, "more": max(0, len(ids) - MAX_CHILDREN)}
