"""Urgent pages: state and acknowledgement (API for the staff app; the SMS link opens /h5/ack)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter

from pm_common.auth import Principal
from pm_notifier.domain.paging import PageNotFound
from pm_notifier.entrypoints.deps import Now, Ports
from pm_notifier.entrypoints.permissions import allowed, sees
from pm_notifier.entrypoints.schemas import Page
from pm_notifier.service_layer import paging

router = APIRouter(prefix="/v1/pages", tags=["urgent paging"])


def shape(page: dict[str, Any]) -> dict[str, Any]:
    return {"page_id": page["_id"], **{k: v for k, v in page.items() if k not in ("_id", "correlation_id")}}


@router.get("/{page_id}", response_model=Page, summary="紧急呼叫状态（谁被呼叫、是否已确认）/ an urgent page")
async def get_page(page_id: str, staff: Annotated[Principal, allowed("page.read")], ports: Ports) -> dict[str, Any]:
    page = await ports.pages.get(page_id)
    if page is None or not await sees(staff, page, ports.subjects):  # another estate's, or about the caller
        raise PageNotFound()
    return shape(page)


@router.post("/{page_id}/ack", response_model=Page, summary="确认收到紧急呼叫（停止升级）/ acknowledge an urgent page")
async def acknowledge(
    page_id: str, staff: Annotated[Principal, allowed("page.acknowledge")], ports: Ports, clock: Now
) -> dict[str, Any]:
    page = await ports.pages.get(page_id)
    if page is None or not await sees(staff, page, ports.subjects):
        raise PageNotFound()
    return shape(await paging.acknowledge(page_id, staff.sub, ports, clock.now()))
