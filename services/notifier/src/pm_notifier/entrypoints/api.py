"""HTTP API of the notifier: what was sent about a complaint."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, FastAPI, Request

from pm_common.api import Staff
from pm_common.service import create_service_app, runtime_of
from pm_notifier.adapters.repository import MongoNotificationRepository
from pm_notifier.bootstrap import build_runtime
from pm_notifier.config import NotifierSettings

router = APIRouter(prefix="/v1", tags=["notifications"])


@router.get("/complaints/{complaint_id}/notifications", summary="已发送的通知 / notifications sent about a complaint")
async def notifications(request: Request, principal: Staff, complaint_id: str) -> list[dict[str, Any]]:
    docs = await MongoNotificationRepository(runtime_of(request).mongo).for_complaint(complaint_id)
    visible = [d for d in docs if principal.can_see(d["estate_id"])]
    for doc in visible:
        doc["notification_id"] = doc.pop("_id")
    return visible


def create_app(settings: NotifierSettings | None = None) -> FastAPI:
    return create_service_app(
        settings or NotifierSettings(),
        build_runtime,
        title="通知反馈服务 Notifier",
        description="向业主与员工发送进度、结果与升级通知 / progress, result and escalation messages",
        routers=[router],
    )
