"""HTTP API of triage: classification preview and triage records."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, FastAPI, Request
from pm_common.api import ApiError, Staff
from pm_common.service import create_service_app, runtime_of
from pydantic import BaseModel, Field

from pm_triage.bootstrap import build_runtime, repository
from pm_triage.config import TriageSettings

router = APIRouter(prefix="/v1", tags=["triage"])


class ClassifyRequest(BaseModel):
    text: str = Field(min_length=1, max_length=5000)
    estate_id: str | None = None


@router.post("/classify", summary="分类预览 / classification preview (front desk, evaluation)")
async def classify(
    request: Request,
    _: Staff,
    body: Annotated[ClassifyRequest, Body(examples=[{"text": "1号楼电梯困人了，快来人", "estate_id": "SUNNY"}])],
) -> dict[str, Any]:
    result = runtime_of(request).state["classifier"].classify(body.text)
    return dict(result.model_dump(mode="json"))


@router.get("/triages/{complaint_id}", summary="分类研判记录 / triage record of a complaint")
async def get_triage(request: Request, principal: Staff, complaint_id: str) -> dict[str, Any]:
    doc = await repository(runtime_of(request).mongo).get(complaint_id)
    if doc is None or not principal.can_see(doc["estate_id"]):
        raise ApiError(404, "not_found", "未找到该分类记录", "triage record not found")
    doc["complaint_id"] = doc.pop("_id")
    return doc


def create_app(settings: TriageSettings | None = None) -> FastAPI:
    return create_service_app(
        settings or TriageSettings(),
        build_runtime,
        title="分类研判服务 Triage",
        description="紧急程度×性质×范围、受理判断、时限 / urgency × nature × scope, acceptance, deadlines",
        routers=[router],
    )
