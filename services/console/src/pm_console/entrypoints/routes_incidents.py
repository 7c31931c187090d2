"""Group incidents (群诉) with their children: triage's incidents of the session's estates, one
incident with each child complaint's register status (intake) and task (dispatch), and the
supervisor's confirm / dismiss / one broadcast answer (triage's incident API)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import Response

from pm_console.entrypoints.deps import CurrentDep, Deps, form_fields
from pm_console.entrypoints.permissions import allowed, permit
from pm_console.entrypoints.routes_tasks import _send
from pm_console.entrypoints.views import render
from pm_console.service_layer import incident_view

router = APIRouter(tags=["群诉 incidents"])
IncidentId = Annotated[str, Path(pattern=r"^[A-Za-z0-9_-]{1,80}$")]


def _render(request: Request, current: CurrentDep, deps: Deps, template: str, **context: Any) -> Response:
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


@router.get("/incidents", include_in_schema=False)
async def incidents_page(request: Request, current: CurrentDep, deps: Deps) -> Response:
    permit(current.session, "incidents.read")
    params = {"limit": "100"}
    estate = request.query_params.get("estate_id", "")
    if estate and current.session.can_see(estate):
        params["estate_id"] = estate
    found = await deps.platform.call("triage", "GET", "/v1/incidents", token=current.token, params=params)
    return _render(
        request,
        current,
        deps,
        "incidents.html",
        incidents=found,
        estates=deps.estates.visible(current.session.estates),
        estate=estate,
        child_ids=incident_view.child_ids,
    )


@router.get("/incidents/{incident_id}", include_in_schema=False)
async def incident_page(request: Request, incident_id: IncidentId, current: CurrentDep, deps: Deps) -> Response:
    permit(current.session, "incidents.read")
    incident = await deps.platform.call("triage", "GET", f"/v1/incidents/{incident_id}", token=current.token)
    view = await incident_view.gather(deps.platform, current.token, incident)
    return _render(request, current, deps, "incident.html", incident=incident, view=view)


@router.post("/incidents/{incident_id}/review", include_in_schema=False)
async def review(request: Request, incident_id: IncidentId, current: CurrentDep, deps: Deps) -> Response:
    permit(current.session, "incidents.review")
    form = await form_fields(request)
    body = {"action": "dismiss" if form.get("action") == "dismiss" else "confirm", "note": form.get("note") or None}
    form["_done"], form["back"] = f"incident_{body['action']}", f"/incidents/{incident_id}"
    return await _send(request, deps, current.token, "triage", f"/v1/incidents/{incident_id}/review", body, form, "")


@router.post("/incidents/{incident_id}/resolve", include_in_schema=False)
async def resolve(request: Request, incident_id: IncidentId, current: CurrentDep, deps: Deps) -> Response:
    permit(current.session, "incidents.resolve")
    form = await form_fields(request)
    body = {"answer": form.get("answer", "").strip(), "answer_en": form.get("answer_en", "").strip() or None}
    form["_done"], form["back"] = "incident_resolved", f"/incidents/{incident_id}"
    return await _send(request, deps, current.token, "triage", f"/v1/incidents/{incident_id}/resolve", body, form, "")
