"""The item page's actions: one form post per task step, sent to dispatch's task API with the
session's token; extensions decided; a return visit recorded with the notifier. When a service
refuses (409 rule / illegal transition, 403, 422) its own message is shown on the page it came from."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Path, Request
from fastapi.responses import RedirectResponse, Response

from pm_console.domain import tasks as steps
from pm_console.entrypoints.deps import CurrentDep, Deps, form_fields
from pm_console.entrypoints.i18n import lang_of
from pm_console.entrypoints.permissions import permit
from pm_console.entrypoints.routes_auth import _safe_next
from pm_console.service_layer.ports import PlatformError

router = APIRouter(tags=["任务 tasks"])
Ident = Annotated[str, Path(pattern=r"^[A-Za-z0-9_-]{1,80}$")]
REFUSED = (400, 403, 404, 409, 422)


def reason(request: Request, exc: PlatformError) -> str:
    """The service's message in the page's language, with its per-field reasons."""
    en = lang_of(request) == "en"
    error = exc.error
    fields = "; ".join(
        f"{f.get('field') or f.get('loc')}: {f.get('reason_en' if en else 'reason') or f.get('message', '')}"
        for f in error.get("fields") or []
        if isinstance(f, dict)
    )
    return f"{error.get('message_en' if en else 'message', '') or error.get('code', '')} {fields}".strip()[:300]


def back(form: dict[str, str], complaint_id: str, **query: str) -> RedirectResponse:
    target = _safe_next(form.get("back")) if form.get("back") else f"/items/{complaint_id}"
    sep = "&" if "?" in target else "?"
    return RedirectResponse(target + (sep + urlencode(query) if query else ""), status_code=303)


async def _send(
    request: Request, deps: Deps, token: str, service: str, path: str, body: Any, form: dict[str, str], cid: str
) -> Response:
    try:
        await deps.platform.call(service, "POST", path, token=token, json=body)
    except PlatformError as exc:
        if exc.status not in REFUSED:
            raise
        return back(form, cid, error=reason(request, exc))
    return back(form, cid, notice=form.get("_done", "ok"))


@router.post("/items/{complaint_id}/tasks/{task_id}/{action}", include_in_schema=False)
async def task_action(
    request: Request, complaint_id: Ident, task_id: Ident, action: str, current: CurrentDep, deps: Deps
) -> Response:
    step = steps.BY_NAME.get(action)
    if step is None:
        return Response(status_code=404)
    permit(current.session, f"task.{action}")
    form = await form_fields(request)
    estate = deps.estates.get(form.get("estate_id", ""))
    try:
        body = steps.body_for(step, form, estate.timezone if estate else deps.estates.default_tz)
    except steps.FormInvalid as exc:
        return back(form, complaint_id, error=exc.en if lang_of(request) == "en" else exc.zh)
    form["_done"] = step.name
    path = f"/v1/tasks/{task_id}/{step.path}"
    return await _send(request, deps, current.token, "dispatch", path, body, form, complaint_id)


@router.post("/items/{complaint_id}/tasks/{task_id}/extensions/{n}", include_in_schema=False)
async def decide_extension(
    request: Request,
    complaint_id: Ident,
    task_id: Ident,
    n: Annotated[int, Path(ge=1, le=1000)],
    current: CurrentDep,
    deps: Deps,
) -> Response:
    permit(current.session, "task.extension.decide")
    form = await form_fields(request)
    body = {"approve": form.get("approve") == "true", "note": form.get("note", "").strip() or None}
    form["_done"] = "extension_decided"
    path = f"/v1/tasks/{task_id}/extensions/{n}/decision"
    return await _send(request, deps, current.token, "dispatch", path, body, form, complaint_id)


@router.post("/items/{complaint_id}/return-visit", include_in_schema=False)
async def return_visit(request: Request, complaint_id: Ident, current: CurrentDep, deps: Deps) -> Response:
    permit(current.session, "return_visit.record")
    form = await form_fields(request)
    body = {"outcome": form.get("outcome", ""), "note": form.get("note", "").strip()}
    form["_done"] = "return_visit"
    path = f"/v1/return-visits/{complaint_id}"
    return await _send(request, deps, current.token, "notifier", path, body, form, complaint_id)
