"""Owner tracking: verify a phone (one-time code) or use a tracking token, then follow own items."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Body, Request
from pydantic import BaseModel, ConfigDict, Field, model_validator

from pm_intake.domain.model import EvidenceRef
from pm_intake.entrypoints import examples
from pm_intake.entrypoints.deps import Deps, OwnerDep, Settings, client_address, enforce_otp_limits, enforce_rate
from pm_intake.entrypoints.schemas import OtpSent, OwnerItem, OwnerSession
from pm_intake.service_layer import owner as owner_handlers

router = APIRouter(prefix="/v1/owner", tags=["业主查询 owner tracking"])
PHONE = r"^\+?[0-9\-]{5,20}$"


class OtpRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    phone: str = Field(pattern=PHONE)


@router.post(
    "/otp",
    response_model=OtpSent,
    status_code=202,
    summary="获取手机验证码 / request a one-time code",
    description="验证码以短信发送（5 分钟有效，仅限从申请时的同一网络地址使用）。"
    "非生产环境（PM_ENV≠prod）响应中附带 `dev_code` 便于联调。无论该号码是否有登记，响应都相同。"
    "频率限制：同一手机号+同一地址、以及同一地址，各有上限；他人无法从别的地址锁定您的号码。",
    responses={202: {"content": {"application/json": {"example": {"sent": True, "expires_in_seconds": 300}}}}},
)
async def request_otp(
    request: Request, deps: Deps, settings: Settings, body: Annotated[OtpRequest, Body(openapi_examples=examples.OTP)]
) -> dict[str, Any]:
    await enforce_otp_limits(request, deps, settings, body.phone)
    code = await owner_handlers.request_otp(
        body.phone, deps.otps, deps.sms, deps.policy, datetime.now(UTC), requester=client_address(request)
    )
    reply: dict[str, Any] = {"sent": True, "expires_in_seconds": deps.policy.otp_ttl_seconds}
    if code is not None:
        reply["dev_code"] = code
    return reply


class SessionRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    phone: str | None = Field(None, pattern=PHONE)
    code: str | None = Field(None, pattern=r"^[0-9]{6}$")
    tracking_token: str | None = Field(None, min_length=8, max_length=100)

    @model_validator(mode="after")
    def _one_way(self) -> SessionRequest:
        if not ((self.phone and self.code) or self.tracking_token):
            raise ValueError("请提供手机号和验证码，或查询凭证 / give phone and code, or a tracking token")
        return self


@router.post(
    "/session",
    response_model=OwnerSession,
    summary="换取业主令牌（手机号+验证码，或匿名查询凭证）/ open an owner session",
    responses=examples.response({"token": "eyJzdWIi….Q2hr…", "token_type": "bearer", "expires_in_seconds": 1800}),
)
async def open_session(
    request: Request,
    deps: Deps,
    settings: Settings,
    body: Annotated[SessionRequest, Body(openapi_examples=examples.SESSION)],
) -> dict[str, Any]:
    await enforce_rate(
        deps,
        f"session-ip:{client_address(request)}",
        settings.otp_rate_limit_requests * 4,
        settings.otp_rate_limit_window_seconds,
    )
    now = datetime.now(UTC)
    if body.phone and body.code:
        token = await owner_handlers.session_from_code(
            body.phone, body.code, deps.otps, deps.policy, now, requester=client_address(request)
        )
    else:
        assert body.tracking_token is not None
        token = await owner_handlers.session_from_tracking(body.tracking_token, deps.repo, deps.policy, now)
    return {"token": token, "token_type": "bearer", "expires_in_seconds": deps.policy.owner_token_ttl_seconds}


@router.get(
    "/complaints",
    response_model=list[OwnerItem],
    summary="我的登记列表（实时状态与进展）/ my items",
    responses=examples.response([examples.OWNER_ITEM]),
)
async def my_items(owner: OwnerDep, deps: Deps) -> list[dict[str, Any]]:
    return await owner_handlers.list_items(owner, deps.repo)


@router.get(
    "/complaints/{complaint_id}",
    response_model=OwnerItem,
    summary="查看我的一条登记（不含内部备注）/ one of my items",
    responses=examples.response(examples.OWNER_ITEM),
)
async def my_item(complaint_id: str, owner: OwnerDep, deps: Deps) -> dict[str, Any]:
    return await owner_handlers.get_item(owner, complaint_id, deps.repo)


class Supplement(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str | None = Field(None, min_length=2, max_length=2000)
    evidence: list[EvidenceRef] = Field(default_factory=list, max_length=50)

    @model_validator(mode="after")
    def _something(self) -> Supplement:
        if not self.text and not self.evidence:
            raise ValueError("请填写补充内容或附件 / give text or evidence")
        return self


@router.post(
    "/complaints/{complaint_id}/supplements",
    response_model=OwnerItem,
    summary="补充信息或证据（仅办理中的登记）/ add information or evidence",
    responses=examples.response(examples.OWNER_ITEM),
)
async def add_supplement(
    complaint_id: str,
    owner: OwnerDep,
    deps: Deps,
    body: Annotated[Supplement, Body(openapi_examples=examples.SUPPLEMENT)],
) -> dict[str, Any]:
    return await owner_handlers.supplement(
        owner, complaint_id, body.text, body.evidence, deps.repo, deps.policy, datetime.now(UTC)
    )


class Withdrawal(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str | None = Field(None, max_length=500)


@router.post(
    "/complaints/{complaint_id}/withdraw",
    response_model=OwnerItem,
    summary="撤回登记（仅办理中的登记）/ withdraw an open item",
    responses=examples.response({**examples.OWNER_ITEM, "status": "withdrawn"}),
)
async def withdraw(
    complaint_id: str,
    owner: OwnerDep,
    deps: Deps,
    body: Annotated[Withdrawal, Body(openapi_examples=examples.WITHDRAW)],
) -> dict[str, Any]:
    return await owner_handlers.withdraw(owner, complaint_id, body.reason, deps.repo, datetime.now(UTC))
