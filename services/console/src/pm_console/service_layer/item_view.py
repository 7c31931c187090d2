"""What the item page shows besides the register: the complaint's task and sub-tasks (dispatch), each
with its work log and SLA clocks (sla-monitor), the notifications sent (notifier) and the survey /
return-visit rounds. Every part is read with the session's token; a part the role may not read, or a
service that is down, is left out (shown as "unavailable") instead of failing the page."""

from __future__ import annotations

import asyncio
from typing import Any, Protocol

from pm_console.service_layer.ports import PlatformError

ABSENT = (403, 404, 503)


class Platform(Protocol):
    async def call(
        self, service: str, method: str, path: str, *, token: str | None = None, params: dict[str, str] | None = None
    ) -> Any: ...


async def optional(platform: Platform, service: str, path: str, token: str) -> Any:
    """The answer, or ``None`` when the service refuses (403), has nothing (404) or is down (503)."""
    try:
        return await platform.call(service, "GET", path, token=token)
    except PlatformError as exc:
        if exc.status in ABSENT:
            return None
        raise


def main_task_id(complaint_id: str) -> str:
    return f"T-{complaint_id}"  # dispatch's id of a complaint's main task (docs/dispatch.md)


async def _task_parts(platform: Platform, token: str, task: dict[str, Any]) -> dict[str, Any]:
    tid = task["task_id"]
    log, clocks = await asyncio.gather(
        optional(platform, "dispatch", f"/v1/tasks/{tid}/log", token),
        optional(platform, "sla", f"/v1/clocks/{tid}", token),
    )
    return {"task": task, "log": log or task.get("work_log") or [], "clocks": (clocks or {}).get("clocks", [])}


async def gather(platform: Platform, token: str, complaint_id: str) -> dict[str, Any]:
    main, notes, notifications, followup, complaint_clocks = await asyncio.gather(
        optional(platform, "dispatch", f"/v1/tasks/{main_task_id(complaint_id)}", token),
        optional(platform, "dispatch", f"/v1/tasks/{main_task_id(complaint_id)}/notes", token),
        optional(platform, "notifier", f"/v1/complaints/{complaint_id}/notifications", token),
        optional(platform, "notifier", f"/v1/complaints/{complaint_id}/followup", token),
        optional(platform, "sla", f"/v1/clocks/{complaint_id}", token),
    )
    tasks: list[dict[str, Any]] = []
    if main is not None:
        subs = await asyncio.gather(
            *(optional(platform, "dispatch", f"/v1/tasks/{sid}", token) for sid in main.get("subtask_ids") or [])
        )
        tasks = list(await asyncio.gather(*(_task_parts(platform, token, t) for t in [main, *(s for s in subs if s)])))
    return {
        "tasks": tasks,
        "subtask_status": {p["task"]["task_id"]: p["task"].get("status") for p in tasks},
        "notes": notes or [],
        "notifications": sorted(notifications or [], key=lambda n: str(n.get("created_at") or "")),
        "notifications_unavailable": notifications is None,
        "followup": followup,
        "complaint_clocks": (complaint_clocks or {}).get("clocks", []),
    }
