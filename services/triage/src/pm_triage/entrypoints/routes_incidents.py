"""Group incidents (群诉): list, detail with linked complaints, supervisor confirm / dismiss / resolve."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Query, Request
from pydantic import BaseModel, Field

from pm_common.api import Staff, require_estate, require_role
from pm_triage.domain.errors import IncidentNotFound
from pm_triage.entrypoints.deps import SUPERVISORS, triage_of
from pm_triage.service_layer.incidents import resolve_incident, review_incident

router = APIRouter(prefix="/v1/incidents", tags=["group incidents"])


class IncidentReview(BaseModel):
    action: Literal["confirm", "dismiss"]
    note: str | None = Field(None, max_length=2000)


class Resolution(BaseModel):
    answer: str = Field(min_length=2, max_length=2000, description="统一答复 (sent to every linked owner)")
    answer_en: str | None = Field(None, max_length=2000)


async def _visible(request: Request, principal: Staff, incident_id: str) -> dict[str, Any]:
    doc = await triage_of(request).incidents.get(incident_id)
    if doc is None or not principal.can_see(doc["estate_id"]):
        raise IncidentNotFound(incident_id)
    return doc


async def _detail(request: Request, doc: dict[str, Any]) -> dict[str, Any]:
    repo = triage_of(request).incidents
    incident_id = doc.pop("_id")
    decision = await repo.decision(incident_id)
    confirmation = await repo.confirmation(incident_id)
    status = decision["action"] if decision else ("confirmed" if confirmation else "open")
    return {
        "incident_id": incident_id,
        **doc,
        "status": status,
        "children": await repo.children(incident_id),
        "confirmation": confirmation,
        "decision": decision,
    }


@router.get("", summary="群诉事件列表 / group incidents")
async def list_incidents(
    request: Request, principal: Staff, estate_id: str | None = None, limit: Annotated[int, Query(ge=1, le=500)] = 100
) -> list[dict[str, Any]]:
    if estate_id:
        require_estate(principal, estate_id)
    docs = await triage_of(request).incidents.list(principal.estates, estate_id, limit)
    return [await _detail(request, d) for d in docs]


@router.get("/{incident_id}", summary="群诉事件详情 / one group incident and its complaints")
async def get_incident(request: Request, principal: Staff, incident_id: str) -> dict[str, Any]:
    return await _detail(request, await _visible(request, principal, incident_id))


@router.post("/{incident_id}/review", summary="确认或撤销群诉 / confirm or dismiss a group incident")
async def review(
    request: Request, principal: Staff, incident_id: str, body: Annotated[IncidentReview, Body()]
) -> dict[str, Any]:
    require_role(principal, *SUPERVISORS, "leadership")
    doc = await _visible(request, principal, incident_id)
    record = await review_incident(
        incident_id, body.action, body.note, principal.sub, triage_of(request).incidents, datetime.now(UTC)
    )
    record.pop("_id", None)
    return {"incident_id": doc["_id"], **record}


@router.post("/{incident_id}/resolve", summary="统一答复并办结 / resolve with one broadcast answer")
async def resolve(
    request: Request,
    principal: Staff,
    incident_id: str,
    body: Annotated[Resolution, Body(examples=[{"answer": "3号楼电梯主板已更换，经检测运行正常。"}])],
) -> dict[str, Any]:
    require_role(principal, *SUPERVISORS, "leadership")
    doc = await _visible(request, principal, incident_id)
    decision = await resolve_incident(
        incident_id, body.answer, body.answer_en, principal.sub, triage_of(request).incidents, datetime.now(UTC)
    )
    decision.pop("_id", None)
    return {"incident_id": doc["_id"], **decision}
