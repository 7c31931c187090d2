"""Owner H5 pages (mobile-first): submit an item (anonymous if wished) with photos and get the
reference; track items with a verified phone or a tracking token.

The page is a small static script; its JSON calls land here and go on to intake: a submission with
a token of the integration role minted for one estate (channel ``app``, or ``anonymous``), the
tracking calls with the owner's own token from intake (kept by the page, never by the console)."""

from __future__ import annotations

import hashlib
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Header, Path, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from pm_common.api import ApiError
from pm_common.auth import issue_token
from pm_common.openapi import ErrorBody
from pm_console.entrypoints.deps import CurrentDep, Deps, Settings, client_address
from pm_console.entrypoints.permissions import permit
from pm_console.entrypoints.views import render

router = APIRouter(tags=["业主 H5 owner pages"])
PHONE = r"^\+?[0-9\-]{5,20}$"
ComplaintId = Annotated[str, Path(pattern=r"^[A-Za-z0-9_-]{1,64}$")]


@router.get("/h5", include_in_schema=False)
async def h5_page(request: Request, deps: Deps) -> Response:
    estates = deps.estates.all()
    return render(request, "h5.html", estates=estates, zones={e.id: e.timezone for e in estates})


class Place(BaseModel):
    model_config = ConfigDict(extra="forbid")

    building: str | None = Field(None, max_length=20)
    unit: str | None = Field(None, max_length=20)
    room: str | None = Field(None, max_length=20)
    area: str | None = Field(None, max_length=100)


class Photo(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: Literal["photo"] = "photo"
    ref: str = Field(pattern=r"^console-upload://[0-9a-f]{32}\.[a-z]{3,4}$")
    content_type: str = Field(pattern=r"^image/[a-z]+$")
    size_bytes: int = Field(ge=1, le=2**31)


class OwnerSubmission(BaseModel):
    model_config = ConfigDict(extra="forbid")

    estate_id: str = Field(min_length=1, max_length=40)
    content: str = Field(min_length=2, max_length=5000)
    location: Place = Place()
    anonymous: bool = False
    name: str | None = Field(None, min_length=1, max_length=50)
    phone: str | None = Field(None, pattern=PHONE)
    photos: list[Photo] = Field(default_factory=list, max_length=9)


def _filer_token(settings: Settings, request: Request, estate_id: str) -> str:
    """The console files owners' items as an integration of one estate; the subject carries a digest
    of the owner's address so intake's per-source rate limit applies per owner address."""
    who = hashlib.sha256(client_address(request).encode()).hexdigest()[:16]
    return issue_token(settings.auth_secret, f"console-h5:{who}", "integration", [estate_id], ttl_seconds=60)


@router.post("/h5/api/complaints", status_code=201, summary="业主提交 / an owner submits an item")
async def submit(
    request: Request, deps: Deps, settings: Settings, body: Annotated[OwnerSubmission, Body()]
) -> dict[str, Any]:
    if deps.estates.get(body.estate_id) is None:
        raise ApiError(422, "unknown_estate", "未知的项目", "unknown estate")
    registration: dict[str, Any] = {
        "estate_id": body.estate_id,
        "channel": "anonymous" if body.anonymous else "app",
        "content": body.content,
        "location": body.location.model_dump(exclude_none=True),
        "evidence": [p.model_dump() for p in body.photos],
    }
    if not body.anonymous and (body.name or body.phone or body.location.room):
        owner = {"name": body.name, "phone": body.phone, "building": body.location.building, "room": body.location.room}
        registration["owner"] = {k: v for k, v in owner.items() if v}
    ack: dict[str, Any] = await deps.platform.call(
        "intake", "POST", "/v1/complaints", token=_filer_token(settings, request, body.estate_id), json=registration
    )
    return ack


@router.post(
    "/h5/api/uploads",
    status_code=201,
    summary="上传照片（请求体为图片本身）/ upload one photo",
    responses={
        415: {"model": ErrorBody, "description": "不是支持的图片 / not a JPEG, PNG, WebP or GIF image"},
        413: {"model": ErrorBody, "description": "图片过大 / image too large"},
        422: {"model": ErrorBody, "description": "空文件 / empty file"},
        429: {"model": ErrorBody, "description": "上传过于频繁 / too many uploads"},
    },
)
async def upload(
    request: Request, deps: Deps, settings: Settings, content_type: Annotated[str, Header()] = ""
) -> dict[str, Any]:
    decision = await deps.limiter.hit(
        f"upload:{client_address(request)}", settings.upload_rate_limit, settings.upload_rate_window_seconds
    )
    if not decision.allowed:
        raise ApiError(429, "rate_limited", "上传过于频繁，请稍后再试", "too many uploads, retry later")
    return await deps.uploads.save(await request.body(), content_type.split(";")[0].strip().lower())


@router.get("/uploads/{name}", include_in_schema=False)
async def uploaded(name: str, current: CurrentDep, deps: Deps) -> Response:
    """Stored photos are shown to staff only (logged in, with the right to read items)."""
    permit(current.session, "item.read")
    photo = await deps.uploads.read(name)
    if photo is None:
        raise ApiError(404, "not_found", "文件不存在", "no such file")
    headers = {"Cache-Control": "private, max-age=3600", "X-Content-Type-Options": "nosniff"}
    return Response(photo.data, media_type=photo.content_type, headers=headers)


class OtpRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    phone: str = Field(pattern=PHONE)


@router.post("/h5/api/otp", status_code=202, summary="获取验证码（intake）/ request a one-time code")
async def otp(request: Request, deps: Deps, body: Annotated[OtpRequest, Body()]) -> dict[str, Any]:
    reply: dict[str, Any] = await deps.platform.call(
        "intake", "POST", "/v1/owner/otp", json=body.model_dump(), client_ip=client_address(request)
    )
    return reply


@router.post("/h5/api/session", summary="换取业主令牌（intake）/ open an owner session")
async def session(request: Request, deps: Deps, body: Annotated[dict[str, Any], Body()]) -> dict[str, Any]:
    reply: dict[str, Any] = await deps.platform.call(
        "intake", "POST", "/v1/owner/session", json=body, client_ip=client_address(request)
    )
    return reply


def _owner_token(authorization: str | None) -> str:
    if not authorization or not authorization.lower().startswith("bearer "):
        raise ApiError(401, "unauthorized", "请先验证手机号或查询凭证", "verify a phone or a tracking token first")
    return authorization[7:].strip()


@router.get("/h5/api/complaints", summary="我的登记 / my items")
async def my_items(
    request: Request, deps: Deps, authorization: Annotated[str | None, Header()] = None
) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = await deps.platform.call(
        "intake", "GET", "/v1/owner/complaints", token=_owner_token(authorization), client_ip=client_address(request)
    )
    return items


@router.get("/h5/api/complaints/{complaint_id}", summary="我的一条登记与时间线 / one of my items")
async def my_item(
    request: Request, complaint_id: ComplaintId, deps: Deps, authorization: Annotated[str | None, Header()] = None
) -> dict[str, Any]:
    item: dict[str, Any] = await deps.platform.call(
        "intake",
        "GET",
        f"/v1/owner/complaints/{complaint_id}",
        token=_owner_token(authorization),
        client_ip=client_address(request),
    )
    return item
