"""Staff reads of what was sent (state, channel, one log entry per attempt) and provider receipts."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from pm_common.api import ApiError
from pm_common.auth import Principal
from pm_notifier.entrypoints.deps import Now, Ports
from pm_notifier.entrypoints.permissions import allowed, sees, visible
from pm_notifier.entrypoints.schemas import NOT_FOUND, Delivery, InboxMessage, ReceiptResult
from pm_notifier.service_layer import delivery

router = APIRouter(tags=["notifications"])
_INTERNAL = ("params",)


def shape(doc: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in doc.items() if k not in ("_id", "indexed", *_INTERNAL)}
    return {"notification_id": doc["_id"], **out}


@router.get(
    "/v1/complaints/{complaint_id}/notifications",
    response_model=list[Delivery],
    summary="某投诉的全部通知及每次投递记录 / every message about a complaint with its attempt log",
)
async def for_complaint(
    complaint_id: str, staff: Annotated[Principal, allowed("notification.read")], ports: Ports
) -> list[dict[str, Any]]:
    docs = await ports.delivery.store.for_complaint(complaint_id)
    return [shape(d) for d in await visible(staff, docs, ports.subjects)]


@router.get(
    "/v1/deliveries/{delivery_id}",
    response_model=Delivery,
    summary="一条通知的状态与投递记录 / one delivery and its attempts",
)
async def one(
    delivery_id: str, staff: Annotated[Principal, allowed("notification.read")], ports: Ports
) -> dict[str, Any]:
    doc = await ports.delivery.store.get(delivery_id)
    if doc is None or not await sees(staff, doc, ports.subjects):  # another estate's, or about the caller
        raise ApiError(404, "not_found", "未找到该通知", "delivery not found")
    return shape(doc)


class Receipt(BaseModel):
    model_config = ConfigDict(extra="forbid")

    provider_message_id: str = Field(min_length=1, max_length=200)
    delivered: bool
    detail: str = Field("", max_length=200)


@router.post(
    "/internal/v1/receipts",
    response_model=ReceiptResult,
    responses=NOT_FOUND,
    summary="短信网关送达回执 / provider delivery receipt",
)
async def receipt(
    body: Receipt, staff: Annotated[Principal, allowed("delivery.receipt")], ports: Ports, clock: Now
) -> dict[str, Any]:
    doc = await ports.delivery.store.by_provider_id(body.provider_message_id)
    if doc is None:
        raise ApiError(404, "not_found", "未找到该消息", "unknown provider message id")
    changed = await delivery.receipt(doc["_id"], body.delivered, body.detail, ports.delivery, clock.now())
    return {"notification_id": doc["_id"], "changed": changed}


@router.get(
    "/internal/v1/complaints/{complaint_id}/inbox",
    response_model=list[InboxMessage],
    summary="匿名业主查询凭证渠道的消息 / tracking inbox",
)
async def inbox(
    complaint_id: str, staff: Annotated[Principal, allowed("inbox.read")], ports: Ports
) -> list[dict[str, Any]]:
    docs = await ports.delivery.store.for_complaint(complaint_id)
    return [
        {
            "at": d.get("sent_at"),
            "template": d["template"],
            "message_zh": d.get("message_zh"),
            "message_en": d.get("message_en"),
        }
        for d in docs
        if d.get("channel") == "inbox" and d["status"] == "delivered" and staff.can_see(d["estate_id"])
    ]
