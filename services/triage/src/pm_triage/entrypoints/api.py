"""HTTP API of triage: classification preview and triage records; the other routers hold the
supervisor review, estate configuration and group-incident endpoints."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, FastAPI, Request
from pydantic import BaseModel, Field

from pm_common.api import ApiError, require_estate
from pm_common.auth import Principal
from pm_common.openapi import document_errors
from pm_common.service import create_service_app
from pm_triage.bootstrap import build_runtime
from pm_triage.config import TriageSettings
from pm_triage.entrypoints import errors, routes_estates, routes_incidents, routes_reviews
from pm_triage.entrypoints.deps import triage_of
from pm_triage.entrypoints.permissions import allowed, sees
from pm_triage.entrypoints.schemas import ClassifyResult, TriageRecord

router = APIRouter(prefix="/v1", tags=["triage"])


class ClassifyRequest(BaseModel):
    text: str = Field(min_length=1, max_length=5000)
    estate_id: str | None = Field(None, description="apply this estate's lexicon overlay")


@router.post(
    "/classify", response_model=ClassifyResult, summary="分类预览 / classification preview (front desk, evaluation)"
)
async def classify(
    request: Request,
    principal: Annotated[Principal, allowed("triage.classify")],
    body: Annotated[ClassifyRequest, Body(examples=[{"text": "1号楼电梯困人了，快来人", "estate_id": "SUNNY"}])],
) -> dict[str, Any]:
    if body.estate_id:
        require_estate(principal, body.estate_id)
    rules = await triage_of(request).classifiers.for_estate(body.estate_id)
    result = dict(rules.classifier.classify(body.text).model_dump(mode="json"))
    result["lexicon_revision"] = rules.revision
    return result


@router.get(
    "/triages/{complaint_id}", response_model=TriageRecord, summary="分类研判记录 / triage record of a complaint"
)
async def get_triage(
    request: Request, principal: Annotated[Principal, allowed("triage.read")], complaint_id: str
) -> dict[str, Any]:
    triage = triage_of(request)
    doc = await triage.triages.get(complaint_id)
    if doc is None or not sees(principal)(doc):
        raise ApiError(404, "not_found", "未找到该分类记录", "triage record not found")
    review = await triage.triages.review(complaint_id)
    doc["complaint_id"] = doc.pop("_id")
    doc["review"] = review
    if review is not None:
        doc["decision"] = review["after"]["decision"]
    doc["incident_id"] = await triage.incidents.incident_of(complaint_id)
    return doc


def create_app(settings: TriageSettings | None = None) -> FastAPI:
    app = create_service_app(
        settings or TriageSettings(),
        build_runtime,
        title="分类研判服务 Triage",
        description="紧急程度×性质×范围、受理判断、重复与群诉、时限 / urgency × nature × scope, acceptance, "
        "duplicates and group incidents, deadlines",
        routers=[router, routes_reviews.router, routes_estates.router, routes_incidents.router],
    )
    errors.install(app)
    document_errors(app)
    return app
