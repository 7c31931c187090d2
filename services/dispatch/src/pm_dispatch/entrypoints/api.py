"""HTTP API of dispatch: the task ledger and task completion."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Body, FastAPI, Query, Request
from pydantic import BaseModel, Field

from pm_common.api import ApiError, Staff, require_estate
from pm_common.service import create_service_app, runtime_of
from pm_dispatch.adapters.repository import MongoTaskRepository
from pm_dispatch.bootstrap import build_runtime
from pm_dispatch.config import DispatchSettings
from pm_dispatch.service_layer import handlers

router = APIRouter(prefix="/v1", tags=["tasks"])


def _repo(request: Request) -> MongoTaskRepository:
    return MongoTaskRepository(runtime_of(request).mongo)


def _public(doc: dict[str, Any]) -> dict[str, Any]:
    doc["task_id"] = doc.pop("_id")
    return doc


@router.get("/tasks", summary="任务单列表 / task ledger")
async def list_tasks(
    request: Request, principal: Staff, status: str | None = None, limit: Annotated[int, Query(ge=1, le=500)] = 100
) -> list[dict[str, Any]]:
    return [_public(d) for d in await _repo(request).list(principal.estates, status, limit)]


@router.get("/tasks/{task_id}", summary="任务单详情 / one task")
async def get_task(request: Request, principal: Staff, task_id: str) -> dict[str, Any]:
    doc = await _repo(request).get(task_id)
    if doc is None or not principal.can_see(doc["estate_id"]):
        raise ApiError(404, "not_found", "未找到该任务单", "task not found")
    return _public(doc)


class Completion(BaseModel):
    result_summary: str = Field(min_length=2, max_length=2000, examples=["已更换电梯按钮并试运行正常"])


@router.post("/tasks/{task_id}/complete", summary="办结 / complete a task with its result")
async def complete(
    request: Request, principal: Staff, task_id: str, body: Annotated[Completion, Body()]
) -> dict[str, Any]:
    repo = _repo(request)
    task = await repo.get(task_id)
    if task is None or not principal.can_see(task["estate_id"]):
        raise ApiError(404, "not_found", "未找到该任务单", "task not found")
    require_estate(principal, task["estate_id"])
    try:
        done = await handlers.complete_task(task_id, body.result_summary, principal.sub, repo, datetime.now(UTC))
    except handlers.TaskAlreadyDone:
        raise ApiError(409, "already_done", "该任务单已办结", "task already completed") from None
    return _public(done)


@router.get("/incident-sheets/{incident_id}", summary="群诉协调单 / coordination sheet of a group incident")
async def get_incident_sheet(request: Request, principal: Staff, incident_id: str) -> dict[str, Any]:
    sheet = await _repo(request).sheet(incident_id)
    if sheet is None or not principal.can_see(sheet["estate_id"]):
        raise ApiError(404, "not_found", "未找到该群诉协调单", "incident sheet not found")
    sheet["incident_id"] = sheet.pop("_id")
    return sheet


def create_app(settings: DispatchSettings | None = None) -> FastAPI:
    return create_service_app(
        settings or DispatchSettings(),
        build_runtime,
        title="派单执行服务 Dispatch",
        description="任务单、承办人、时限 / task sheets, handlers, deadlines",
        routers=[router],
    )
