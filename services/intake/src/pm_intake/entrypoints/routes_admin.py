"""Administration of integration API keys (CTI, WeChat gateway, app backend, Open311 clients)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Body
from pydantic import BaseModel, ConfigDict, Field

from pm_common.auth import Principal
from pm_common.events.payloads import Channel
from pm_intake.entrypoints import examples
from pm_intake.entrypoints.deps import Deps
from pm_intake.entrypoints.permissions import allowed
from pm_intake.entrypoints.schemas import IntegrationKey, NewIntegrationKey
from pm_intake.service_layer import integrations

router = APIRouter(prefix="/v1/admin", tags=["接入管理 integrations"])


class NewIntegration(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=2, max_length=100)
    channels: list[Channel] = Field(min_length=1, description="允许使用的渠道")
    estates: list[str] = Field(
        min_length=1, description='服务的项目，或 ["*"] 表示全部（仅集团级管理员）；只能是管理员本人负责的项目'
    )


@router.post(
    "/integrations",
    response_model=NewIntegrationKey,
    status_code=201,
    summary="创建对接系统接入密钥（仅显示一次）/ create an integration API key",
    responses={
        201: {
            "content": {
                "application/json": {
                    "example": {
                        "api_key": "ik_1a2b3c4d5e6f.s3cr3t…",
                        "key_id": "ik_1a2b3c4d5e6f",
                        "name": "呼叫中心 CTI",
                        "channels": ["phone"],
                        "estates": ["JADE", "SUNNY"],
                    }
                }
            }
        }
    },
)
async def create_integration(
    staff: Annotated[Principal, allowed("integration.manage")],
    deps: Deps,
    body: Annotated[NewIntegration, Body(openapi_examples=examples.INTEGRATION)],
) -> dict[str, Any]:
    api_key, record = await integrations.create_key_as(
        staff.estates, body.name, list(body.channels), body.estates, deps.keys, datetime.now(UTC)
    )
    return {"api_key": api_key, **record}


@router.get(
    "/integrations",
    response_model=list[IntegrationKey],
    summary="接入密钥列表（不含密钥本身；仅本人负责项目的密钥）/ list integration keys (of the admin's estates)",
    responses=examples.response(
        [
            {
                "key_id": "ik_1a2b3c4d5e6f",
                "name": "呼叫中心 CTI",
                "channels": ["phone"],
                "estates": ["SUNNY"],
                "created_at": "2026-11-22T00:00:00Z",
                "revoked_at": None,
            }
        ]
    ),
)
async def list_integrations(
    staff: Annotated[Principal, allowed("integration.manage")], deps: Deps
) -> list[dict[str, Any]]:
    return await integrations.list_keys_as(staff.estates, deps.keys)


@router.post(
    "/integrations/{key_id}/revoke",
    status_code=204,
    summary="停用接入密钥 / revoke an integration key",
    responses={
        404: {
            "description": "未找到",
            "content": {
                "application/json": {
                    "example": {
                        "error": {
                            "code": "not_found",
                            "message": "未找到该接入密钥或已停用",
                            "message_en": "key not found or already revoked",
                        }
                    }
                }
            },
        }
    },
)
async def revoke_integration(
    key_id: str, staff: Annotated[Principal, allowed("integration.manage")], deps: Deps
) -> None:
    await integrations.revoke_key_as(staff.estates, key_id, deps.keys, datetime.now(UTC))
