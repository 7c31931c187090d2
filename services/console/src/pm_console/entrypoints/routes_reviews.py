"""The supervisor's review queue (待复核): triage's items held for a supervisor, and the decision
(confirm, override category/urgency, or refuse with a reason) sent to triage."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Path, Request
from fastapi.responses import RedirectResponse, Response

from pm_console.domain import ledger
from pm_console.entrypoints.deps import CurrentDep, Deps, form_fields
from pm_console.entrypoints.i18n import lang_of
from pm_console.entrypoints.permissions import allowed, permit
from pm_console.entrypoints.views import render
from pm_console.service_layer.ports import PlatformError

router = APIRouter(tags=["复核 reviews"])
ComplaintId = Annotated[str, Path(pattern=r"^[A-Za-z0-9_-]{1,64}$")]
REVIEW_FIELDS = ("category", "urgency", "rejection_reason", "note")


@router.get("/reviews", include_in_schema=False)
async def reviews_page(request: Request, current: CurrentDep, deps: Deps) -> Response:
    permit(current.session, "reviews.read")
    params = {"estate_id": request.query_params["estate_id"]} if request.query_params.get("estate_id") else None
    queue = await deps.platform.call("triage", "GET", "/v1/reviews", token=current.token, params=params)
    return render(
        request,
        "reviews.html",
        session=current.session,
        allowed=lambda action: allowed(current.session, action),
        queue=queue,
        local_time=deps.estates.local_time,
        reasons=ledger.NON_ACCEPTANCE,
        error=request.query_params.get("error"),
    )


@router.post("/reviews/{complaint_id}", include_in_schema=False)
async def decide(request: Request, complaint_id: ComplaintId, current: CurrentDep, deps: Deps) -> Response:
    """A form post per queue row; triage checks the decision (e.g. a note is required to override)."""
    permit(current.session, "reviews.decide")
    form = await form_fields(request)
    command: dict[str, Any] = {"action": form.get("action", "confirm")}
    command.update({k: form[k].strip() for k in REVIEW_FIELDS if form.get(k, "").strip()})
    if command["action"] != "override":
        command.pop("category", None)
        command.pop("urgency", None)
    if command["action"] != "reject":
        command.pop("rejection_reason", None)
    try:
        await deps.platform.call(
            "triage", "POST", f"/v1/triages/{complaint_id}/review", token=current.token, json=command
        )
    except PlatformError as exc:
        if exc.status != 422:
            raise
        return RedirectResponse("/reviews?" + urlencode({"error": _reason(request, exc)}), status_code=303)
    return RedirectResponse("/reviews", status_code=303)


def _reason(request: Request, exc: PlatformError) -> str:
    """Triage's reason for refusing the decision, shown above the queue."""
    en = lang_of(request) == "en"
    error = exc.error
    fields = "; ".join(f"{f.get('field')}: {f.get('reason_en' if en else 'reason')}" for f in error.get("fields", []))
    return f"{error.get('message_en' if en else 'message', '')} {fields}".strip()[:300]
