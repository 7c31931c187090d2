"""Supervisor review endpoints: the queue, the decision, and the recorded overrides."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Body, Query, Request

from pm_common.api import ApiError, require_estate
from pm_common.auth import Principal
from pm_triage.domain.review import ReviewCommand
from pm_triage.entrypoints.deps import triage_of
from pm_triage.entrypoints.permissions import about, allowed, sees
from pm_triage.entrypoints.schemas import ReviewQueueItem, ReviewRecord
from pm_triage.service_layer.reviews import review_triage

router = APIRouter(prefix="/v1", tags=["review"])


@router.get("/reviews", response_model=list[ReviewQueueItem], summary="待复核队列 / items waiting for a supervisor")
async def pending(
    request: Request,
    principal: Annotated[Principal, allowed("triage.review.queue")],
    estate_id: str | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[dict[str, Any]]:
    if estate_id:
        require_estate(principal, estate_id)
    docs = await triage_of(request).triages.pending_reviews(principal.estates, estate_id, limit)
    return [{"complaint_id": d.pop("_id"), **d} for d in docs if sees(principal)(d)]


@router.post(
    "/triages/{complaint_id}/review",
    response_model=ReviewRecord,
    summary="主管复核 / confirm, override or refuse a triage",
)
async def review(
    request: Request,
    principal: Annotated[Principal, allowed("triage.review")],
    complaint_id: str,
    body: Annotated[
        ReviewCommand,
        Body(
            examples=[
                {"action": "override", "category": "engineering", "urgency": "general", "note": "实为公共水管"},
                {"action": "reject", "rejection_reason": "false_or_malicious", "note": "现场核实无此情况"},
            ]
        ),
    ],
) -> dict[str, Any]:
    triage = triage_of(request)
    doc = await triage.triages.get(complaint_id)
    if doc is None or not sees(principal)(doc):
        raise ApiError(404, "not_found", "未找到该分类记录", "triage record not found")
    require_estate(principal, doc["estate_id"])
    record = await review_triage(
        complaint_id, body, principal.sub, triage.triages, triage.triages, triage.calendar, datetime.now(UTC)
    )
    record["complaint_id"] = record.pop("_id")
    record.pop("outbox", None)
    record.pop("outbox_pending", None)
    return record


@router.get(
    "/reviews/history",
    response_model=list[ReviewRecord],
    summary="复核与修改记录 / recorded reviews and overrides (rule improvement data)",
)
async def history(
    request: Request,
    principal: Annotated[Principal, allowed("triage.review.history")],
    estate_id: str | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> list[dict[str, Any]]:
    if estate_id:
        require_estate(principal, estate_id)
    triages = triage_of(request).triages
    docs = await triage_of(request).triages.review_history(principal.estates, estate_id, limit)
    records = await asyncio.gather(*(triages.get(d["_id"]) for d in docs))  # the subjects are on the record
    return [{"complaint_id": d.pop("_id"), **d} for d, r in zip(docs, records, strict=True) if not about(principal, r)]
