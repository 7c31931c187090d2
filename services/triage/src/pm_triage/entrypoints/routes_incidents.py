"""Group incidents (群诉): list, detail with linked complaints, supervisor confirm / dismiss / resolve."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Query, Request
from pydantic import BaseModel, Field

from pm_common.api import require_estate
from pm_common.auth import Principal
from pm_triage.domain.errors import IncidentNotFound
from pm_triage.entrypoints.deps import triage_of
from pm_triage.entrypoints.permissions import about, allowed
from pm_triage.entrypoints.schemas import Incident, IncidentDecision
from pm_triage.service_layer.incidents import resolve_incident, review_incident

router = APIRouter(prefix="/v1/incidents", tags=["group incidents"])


class IncidentReview(BaseModel):
    action: Literal["confirm", "dismiss"]
    note: str | None = Field(None, max_length=2000)


class Resolution(BaseModel):
    answer: str = Field(min_length=2, max_length=2000, description="统一答复 (sent to every linked owner)")
    answer_en: str | None = Field(None, max_length=2000)


async def _visible(request: Request, principal: Principal, incident_id: str) -> dict[str, Any]:
    doc = await triage_of(request).incidents.get(incident_id)
    if doc is None or not principal.can_see(doc["estate_id"]):
        raise IncidentNotFound(incident_id)
    return doc


async def _detail(request: Request, principal: Principal, doc: dict[str, Any]) -> dict[str, Any]:
    repo = triage_of(request).incidents
    incident_id = doc.pop("_id")
    decision = await repo.decision(incident_id)
    confirmation = await repo.confirmation(incident_id)
    status = decision["action"] if decision else ("confirmed" if confirmation else "open")
    children = await repo.children(incident_id)
    # the 被投诉人 rule: a complaint about the reader is left out of the incident's lists
    linked = list(dict.fromkeys([*doc.get("complaint_ids", []), *children]))
    records = await asyncio.gather(*(triage_of(request).triages.get(c) for c in linked))
    hidden = {c for c, r in zip(linked, records, strict=True) if about(principal, r)}
    if "complaint_ids" in doc:
        doc["complaint_ids"] = [c for c in doc["complaint_ids"] if c not in hidden]
    return {
        "incident_id": incident_id,
        **doc,
        "status": status,
        "children": [c for c in children if c not in hidden],
        "confirmation": confirmation,
        "decision": decision,
    }


@router.get("", response_model=list[Incident], summary="群诉事件列表 / group incidents")
async def list_incidents(
    request: Request,
    principal: Annotated[Principal, allowed("incident.read")],
    estate_id: str | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[dict[str, Any]]:
    if estate_id:
        require_estate(principal, estate_id)
    docs = await triage_of(request).incidents.list(principal.estates, estate_id, limit)
    return [await _detail(request, principal, d) for d in docs]


@router.get("/{incident_id}", response_model=Incident, summary="群诉事件详情 / one group incident and its complaints")
async def get_incident(
    request: Request, principal: Annotated[Principal, allowed("incident.read")], incident_id: str
) -> dict[str, Any]:
    return await _detail(request, principal, await _visible(request, principal, incident_id))


@router.post(
    "/{incident_id}/review",
    response_model=IncidentDecision,
    summary="确认或撤销群诉 / confirm or dismiss a group incident",
)
async def review(
    request: Request,
    principal: Annotated[Principal, allowed("incident.review")],
    incident_id: str,
    body: Annotated[IncidentReview, Body()],
) -> dict[str, Any]:
    doc = await _visible(request, principal, incident_id)
    record = await review_incident(
        incident_id, body.action, body.note, principal.sub, triage_of(request).incidents, datetime.now(UTC)
    )
    record.pop("_id", None)
    return {"incident_id": doc["_id"], **record}


@router.post(
    "/{incident_id}/resolve",
    response_model=IncidentDecision,
    summary="统一答复并办结 / resolve with one broadcast answer",
)
async def resolve(
    request: Request,
    principal: Annotated[Principal, allowed("incident.resolve")],
    incident_id: str,
    body: Annotated[Resolution, Body(examples=[{"answer": "3号楼电梯主板已更换，经检测运行正常。"}])],
) -> dict[str, Any]:
    doc = await _visible(request, principal, incident_id)
    decision = await resolve_incident(
        incident_id, body.answer, body.answer_en, principal.sub, triage_of(request).incidents, datetime.now(UTC)
    )
    decision.pop("_id", None)
    return {"incident_id": doc["_id"], **decision}
