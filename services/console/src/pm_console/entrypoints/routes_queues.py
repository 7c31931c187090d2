"""Work queues: a handler's "my tasks" (phone-first, with the steps inline), a supervisor's approvals
(extension requests, submitted plans) and escalations (sla-monitor's overdue and due-soon clocks), the
control room's out-of-hours tasks, and customer service's open return visits (notifier).

Dispatch has no filter for pending approvals or for the assignee kind, so those two queues read the
estate's open tasks (``/v1/tasks``, at most ``SCAN_LIMIT``) and select in the console."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from pm_console.domain import tasks as steps
from pm_console.entrypoints.deps import Current, CurrentDep, Deps
from pm_console.entrypoints.permissions import allowed, permit
from pm_console.entrypoints.views import render

router = APIRouter(tags=["队列 queues"])
SCAN_LIMIT = 500
MINE = (*steps.OPEN, "resolved")


async def _tasks(deps: Deps, current: Current, params: dict[str, str], limit: int = SCAN_LIMIT) -> list[dict[str, Any]]:
    """Pages of dispatch's ledger (newest first) up to ``limit`` tasks."""
    out: list[dict[str, Any]] = []
    cursor: str | None = None
    while len(out) < limit:
        query = {**params, "limit": str(min(100, limit - len(out)))}
        if cursor:
            query["cursor"] = cursor
        page = await deps.platform.call("dispatch", "GET", "/v1/tasks", token=current.token, params=query)
        out.extend(page["items"])
        cursor = page.get("next_cursor")
        if not cursor:
            break
    return out


def _page(request: Request, current: Current, deps: Deps, template: str, **context: Any) -> Response:
    return render(
        request,
        template,
        session=current.session,
        allowed=lambda action: allowed(current.session, action),
        local_time=deps.estates.local_time,
        notice=request.query_params.get("notice"),
        error=request.query_params.get("error"),
        **context,
    )


@router.get("/my-tasks", include_in_schema=False)
async def my_tasks(request: Request, current: CurrentDep, deps: Deps) -> Response:
    permit(current.session, "queue.my_tasks")
    params = {} if current.session.role in ("handler", "contractor") else {"handler": current.session.username}
    found = [t for t in await _tasks(deps, current, params, 200) if t.get("status") in MINE]
    found.sort(key=lambda t: str(t.get("due_at") or "9999"))
    return _page(request, current, deps, "my_tasks.html", tasks=found, back="/my-tasks")


@router.get("/approvals", include_in_schema=False)
async def approvals(request: Request, current: CurrentDep, deps: Deps) -> Response:
    permit(current.session, "queue.approvals")
    found = await _tasks(deps, current, {})
    extensions = [(t, x) for t in found if (x := steps.pending_extension(t)) is not None]
    plans = [t for t in found if steps.plan_waiting(t) and t.get("status") in steps.OPEN]
    return _page(request, current, deps, "approvals.html", extensions=extensions, plans=plans, back="/approvals")


@router.get("/escalations", include_in_schema=False)
async def escalations(request: Request, current: CurrentDep, deps: Deps) -> Response:
    permit(current.session, "queue.escalations")
    try:
        hours = min(max(float(request.query_params.get("within_hours", "4")), 0.0), 720.0)
    except ValueError:
        hours = 4.0
    params = {"within_hours": str(hours), "group_by": "person"}
    result = await deps.platform.call("sla", "GET", "/v1/sla/overdue", token=current.token, params=params)
    return _page(request, current, deps, "escalations.html", result=result, within_hours=hours)


@router.get("/control-room", include_in_schema=False)
async def control_room(request: Request, current: CurrentDep, deps: Deps) -> Response:
    permit(current.session, "queue.control_room")
    found = [
        t
        for t in await _tasks(deps, current, {})
        if (t.get("assignee") or {}).get("kind") == "control_room" and t.get("status") in steps.OPEN
    ]
    return _page(request, current, deps, "control_room.html", tasks=found, back="/control-room")


@router.get("/return-visits", include_in_schema=False)
async def return_visits(request: Request, current: CurrentDep, deps: Deps) -> Response:
    permit(current.session, "queue.return_visits")
    visits = await deps.platform.call("notifier", "GET", "/v1/return-visits", token=current.token)
    return _page(request, current, deps, "return_visits.html", visits=visits)
