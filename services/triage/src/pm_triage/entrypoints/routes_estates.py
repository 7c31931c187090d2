"""Estate configuration without a deploy: the lexicon overlay. (The SLA policy moved to the SLA monitor:
``/v1/estates/{id}/sla-policy`` on port 8004, docs/sla.md.)"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Body, Request
from pydantic import BaseModel, Field

from pm_common.api import require_estate
from pm_common.auth import Principal
from pm_triage.entrypoints.deps import triage_of
from pm_triage.entrypoints.permissions import allowed
from pm_triage.entrypoints.schemas import LexiconDocument
from pm_triage.service_layer.estate_config import set_lexicon

router = APIRouter(prefix="/v1/estates/{estate_id}", tags=["estate configuration"])


class LexiconOverlay(BaseModel):
    overlay: dict[str, Any] = Field(description="same shape as lexicon.yaml, plus facilities{building,estate}")
    note: str | None = Field(None, max_length=500)


@router.get("/lexicon", response_model=LexiconDocument, summary="项目词库扩展 / the estate's lexicon overlay")
async def get_lexicon(
    request: Request, principal: Annotated[Principal, allowed("lexicon.read")], estate_id: str
) -> dict[str, Any]:
    require_estate(principal, estate_id)
    doc = await triage_of(request).config.lexicon(estate_id)
    if doc is None:
        return {"estate_id": estate_id, "overlay": {}, "revision": None}
    return {"estate_id": doc.pop("_id"), **doc}


@router.put(
    "/lexicon",
    response_model=LexiconDocument,
    summary="设置项目词库扩展 / replace the estate's lexicon overlay (applies at once)",
)
async def put_lexicon(
    request: Request,
    principal: Annotated[Principal, allowed("lexicon.write")],
    estate_id: str,
    body: Annotated[
        LexiconOverlay,
        Body(examples=[{"overlay": {"categories": {"engineering": {"水浸街": 3}}}, "note": "本地说法"}]),
    ],
) -> dict[str, Any]:
    require_estate(principal, estate_id)
    triage = triage_of(request)
    doc = await set_lexicon(
        estate_id,
        body.overlay,
        body.note,
        principal.sub,
        triage.config,
        triage.classifiers.base_lexicon,
        datetime.now(UTC),
    )
    return {"estate_id": doc.pop("_id"), **doc}
