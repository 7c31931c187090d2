"""Estate configuration without a deploy: the lexicon overlay and the SLA policy (per category too)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Body, Request
from pydantic import BaseModel, Field

from pm_common.api import Staff, require_estate
from pm_triage.domain.sla import SlaPolicy
from pm_triage.entrypoints.deps import require_supervisor, triage_of
from pm_triage.service_layer.estate_config import set_lexicon, set_policy

router = APIRouter(prefix="/v1/estates/{estate_id}", tags=["estate configuration"])


class LexiconOverlay(BaseModel):
    overlay: dict[str, Any] = Field(description="same shape as lexicon.yaml, plus facilities{building,estate}")
    note: str | None = Field(None, max_length=500)


@router.get("/lexicon", summary="项目词库扩展 / the estate's lexicon overlay")
async def get_lexicon(request: Request, principal: Staff, estate_id: str) -> dict[str, Any]:
    require_estate(principal, estate_id)
    doc = await triage_of(request).config.lexicon(estate_id)
    if doc is None:
        return {"estate_id": estate_id, "overlay": {}, "revision": None}
    return {"estate_id": doc.pop("_id"), **doc}


@router.put("/lexicon", summary="设置项目词库扩展 / replace the estate's lexicon overlay (applies at once)")
async def put_lexicon(
    request: Request,
    principal: Staff,
    estate_id: str,
    body: Annotated[
        LexiconOverlay,
        Body(examples=[{"overlay": {"categories": {"engineering": {"水浸街": 3}}}, "note": "本地说法"}]),
    ],
) -> dict[str, Any]:
    require_supervisor(principal, estate_id)
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


@router.get("/sla-policy", summary="时限标准 / the estate's SLA policy (defaults from DOMAIN §4)")
async def get_policy(request: Request, principal: Staff, estate_id: str) -> dict[str, Any]:
    require_estate(principal, estate_id)
    config = triage_of(request).config
    doc = await config.policy_document(estate_id) or {}
    policy = await config.policy(estate_id)
    return {
        "estate_id": estate_id,
        "policy": policy.model_dump(mode="json"),
        "updated_by": doc.get("updated_by"),
        "updated_at": doc.get("updated_at"),
    }


@router.put("/sla-policy", summary="设置时限标准 / replace the estate's SLA policy, per category too")
async def put_policy(
    request: Request,
    principal: Staff,
    estate_id: str,
    body: Annotated[
        SlaPolicy,
        Body(examples=[{"repair_working_days": 3, "by_category": {"fees_finance": {"complaint_working_days": 5}}}]),
    ],
) -> dict[str, Any]:
    require_supervisor(principal, estate_id)
    policy = await set_policy(estate_id, body, principal.sub, triage_of(request).config, datetime.now(UTC))
    return {"estate_id": estate_id, "policy": policy.model_dump(mode="json"), "updated_by": principal.sub}
