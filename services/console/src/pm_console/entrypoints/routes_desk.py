"""Front desk (前台登记): the register form of every channel, the live classification preview,
read-back and the acknowledgement. The page posts JSON to ``/api/…``; the console forwards it to
intake / triage with the session's token."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Header, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from pm_console.domain.channels import BY_CHANNEL, readback_text
from pm_console.entrypoints.deps import CurrentDep, Deps
from pm_console.entrypoints.i18n import lang_of
from pm_console.entrypoints.permissions import allowed, permit
from pm_console.entrypoints.views import render

router = APIRouter(tags=["前台登记 front desk"])


@router.get("/desk", include_in_schema=False)
async def desk_page(request: Request, current: CurrentDep, deps: Deps) -> Response:
    permit(current.session, "desk.register")
    return render(
        request,
        "desk.html",
        session=current.session,
        allowed=lambda action: allowed(current.session, action),
        estates=deps.estates.visible(current.session.estates),
    )


class ClassifyPreview(BaseModel):
    text: str = Field(min_length=1, max_length=5000)
    estate_id: str | None = Field(None, max_length=40)


@router.post("/api/classify", summary="分类预览（调用 triage /v1/classify）/ classification preview")
async def classify(current: CurrentDep, deps: Deps, body: Annotated[ClassifyPreview, Body()]) -> dict[str, Any]:
    permit(current.session, "desk.classify")
    result: dict[str, Any] = await deps.platform.call(
        "triage", "POST", "/v1/classify", token=current.token, json=body.model_dump(exclude_none=True)
    )
    return result


class ReadbackRequest(BaseModel):
    channel: str = Field(max_length=40)
    content: str = Field(min_length=1, max_length=5000)
    matter: str | None = Field(None, max_length=200)
    location: dict[str, str | None] = Field(default_factory=dict)


@router.post("/api/readback", summary="复述文本 / the read-back text for an oral channel")
async def readback(request: Request, current: CurrentDep, body: Annotated[ReadbackRequest, Body()]) -> dict[str, Any]:
    permit(current.session, "desk.register")
    form = BY_CHANNEL.get(body.channel)
    lang = lang_of(request)
    loc = body.location
    parts = [
        f"{loc['building']}{'号楼' if lang != 'en' else ' bldg'}" if loc.get("building") else "",
        f"{loc['unit']}{'单元' if lang != 'en' else ' unit'}" if loc.get("unit") else "",
        f"{loc['room']}{'室' if lang != 'en' else ' room'}" if loc.get("room") else "",
        loc.get("area") or "",
    ]
    place = " ".join(p for p in parts if p)
    return {
        "oral": bool(form and form.oral),
        "text": readback_text(body.content, place, body.matter, lang),
    }


@router.post(
    "/api/complaints",
    status_code=201,
    summary="登记（转发至 intake POST /v1/complaints）/ register through intake",
)
async def register(
    current: CurrentDep,
    deps: Deps,
    registration: Annotated[dict[str, Any], Body()],
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key", max_length=100)] = None,
) -> dict[str, Any]:
    """The body is intake's registration as is (intake validates it and names every field problem)."""
    permit(current.session, "desk.register")
    headers = {"Idempotency-Key": idempotency_key} if idempotency_key else None
    ack: dict[str, Any] = await deps.platform.call(
        "intake", "POST", "/v1/complaints", token=current.token, json=registration, headers=headers
    )
    return ack
