"""Open311 GeoReport v2 (JSON) on top of the register, so existing Open311 clients can file and query.

- jurisdiction_id = estate id; service_code = category (see ``GET services.json``);
- ``POST requests.json`` is form-encoded and needs an integration API key allowed on ``open311``;
- ``GET requests.json`` with an API key lists that integration's own requests with description;
  without a key (``INTAKE_OPEN311_PUBLIC_READ``) only named ids are answered, without content or place.
Errors use the Open311 shape ``[{"code", "description"}]`` with Chinese and English text.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from pm_common.api import ApiError
from pm_intake.domain import open311
from pm_intake.domain.channels import Submitter
from pm_intake.domain.errors import DomainError, InvalidRegistration
from pm_intake.domain.ledger import LedgerQuery
from pm_intake.entrypoints import examples
from pm_intake.entrypoints.deps import Deps, Settings, client_address, enforce_rate, integration_of
from pm_intake.entrypoints.errors import status_of
from pm_intake.service_layer import handlers
from pm_intake.service_layer.integrations import Integration

router = APIRouter(prefix="/open311/v2", tags=["Open311 GeoReport v2"])
_CLOSED = ("done", "closed", "withdrawn", "rejected")


class Open311Error(Exception):
    def __init__(self, status: int, zh: str, en: str) -> None:
        super().__init__(en)
        self.status, self.zh, self.en = status, zh, en


# GeoReport v2 errors: a list of {code, description}; documented on every Open311 operation
OPEN311_ERROR = {
    "type": "array",
    "items": {
        "type": "object",
        "properties": {"code": {"type": "integer"}, "description": {"type": "string"}},
        "required": ["code", "description"],
    },
}
DOCUMENTED_ERRORS = {"/open311": (("400", "401", "403", "404", "429", "503"), OPEN311_ERROR)}


def open311_error_response(exc: Open311Error) -> JSONResponse:
    return JSONResponse([{"code": exc.status, "description": f"{exc.zh} / {exc.en}"}], status_code=exc.status)


def _from_domain(exc: DomainError) -> Open311Error:
    zh, en = exc.zh, exc.en
    if isinstance(exc, InvalidRegistration):
        zh += "：" + "；".join(f"{p.field} {p.reason}" for p in exc.problems)
        en += ": " + "; ".join(f"{p.field} {p.reason_en}" for p in exc.problems)
    status = status_of(exc)
    return Open311Error(400 if status == 422 else status, zh, en)


async def _key(request: Request, deps: Deps, form: dict[str, str] | None = None) -> Integration | None:
    key = (form or {}).get("api_key") or request.query_params.get("api_key") or request.headers.get("x-api-key")
    if not key:
        return None
    try:
        return await integration_of(request, deps, key)
    except ApiError:
        raise Open311Error(403, "接入密钥无效", "invalid api_key") from None


_REQUEST_EXAMPLE = [
    {
        "service_request_id": "4f1c0a6e2b7d4c5e9a8b7c6d5e4f3a2b",
        "reference_no": "SUNNY-20261122-0042",
        "status": "open",
        "status_notes": "已派单至 engineering",
        "service_code": "engineering",
        "service_name": "工程维修 Engineering repair",
        "description": "3号楼楼道灯不亮",
        "agency_responsible": "SUNNY",
        "requested_datetime": "2026-11-22T01:20:00Z",
        "updated_datetime": "2026-11-22T01:25:00Z",
        "expected_datetime": "2026-11-23T01:20:00Z",
        "address": "3",
    }
]


@router.get(
    "/services.json",
    summary="服务类型列表 / service list",
    responses=examples.response(
        [
            {
                "service_code": "engineering",
                "service_name": "工程维修 Engineering repair",
                "description": "漏水、停电、电梯、门禁等设施故障",
                "metadata": True,
                "type": "realtime",
            }
        ]
    ),
)
async def services() -> list[dict[str, Any]]:
    return open311.service_list()


@router.get(
    "/services/{service_code}.json",
    summary="服务类型定义（楼栋、单元、房号、紧急程度）/ service definition",
    responses=examples.response(
        {
            "service_code": "engineering",
            "attributes": [
                {
                    "variable": True,
                    "code": "building",
                    "datatype": "string",
                    "required": False,
                    "description": "楼栋 / building",
                }
            ],
        }
    ),
)
async def service_definition(service_code: str) -> dict[str, Any]:
    definition = open311.service_definition(service_code)
    if definition is None:
        raise Open311Error(404, "未知的服务类型", "unknown service_code")
    return definition


@router.post(
    "/requests.json",
    status_code=201,
    summary="提交服务请求（表单编码，需 api_key）/ create a service request",
    description="字段：jurisdiction_id（项目）、service_code、description、address_string、attribute[building] 等、"
    "first_name、last_name、phone、email、media_url。返回 service_request_id 与回执（service_notice）。",
    openapi_extra={
        "requestBody": {
            "content": {
                "application/x-www-form-urlencoded": {
                    "example": {
                        "api_key": "ik_1a2b3c4d5e6f.s3cr3t…",
                        "jurisdiction_id": "SUNNY",
                        "service_code": "engineering",
                        "description": "3号楼楼道灯不亮",
                        "attribute[building]": "3",
                        "last_name": "张",
                        "first_name": "三",
                        "phone": "13812341234",
                    }
                }
            }
        }
    },
)
async def post_request(request: Request, deps: Deps, settings: Settings) -> JSONResponse:
    form = dict(parse_qsl((await request.body()).decode("utf-8", "replace"), keep_blank_values=False))
    integration = await _key(request, deps, form)
    if integration is None:
        raise Open311Error(403, "需要 api_key", "api_key required")
    if "open311" not in integration.channels:
        raise Open311Error(403, "该接入密钥无权使用 Open311", "this api_key may not use open311")
    estate = form.get("jurisdiction_id") or request.query_params.get("jurisdiction_id")
    if not estate and len(integration.estates) == 1 and integration.estates[0] != "*":
        estate = integration.estates[0]
    if not estate:
        raise Open311Error(400, "缺少 jurisdiction_id（项目编号）", "jurisdiction_id required")
    if "*" not in integration.estates and estate not in integration.estates:
        raise Open311Error(403, "该接入密钥无权访问此项目", "this api_key does not serve this jurisdiction")
    await enforce_rate(
        deps, f"key:{integration.key_id}", settings.rate_limit_requests, settings.rate_limit_window_seconds
    )
    filer = handlers.Filer(
        f"integration:{integration.key_id}", f"key:{integration.key_id}", Submitter(True, integration.channels)
    )
    try:
        reg = open311.registration_from_form(form, estate)
        ack = await handlers.register(
            reg, filer, deps.repo, deps.policy, datetime.now(UTC), request.headers.get("idempotency-key")
        )
    except DomainError as exc:
        raise _from_domain(exc) from None
    reply = {
        "service_request_id": ack.complaint_id,
        "service_notice": ack.message,
        "account_id": None,
        "reference_no": ack.reference_no,
        "tracking_token": ack.tracking_token,
    }
    return JSONResponse([reply], status_code=201)


async def _requests(request: Request, deps: Deps, settings: Settings, ids: list[str] | None) -> list[dict[str, Any]]:
    integration = await _key(request, deps)
    params = request.query_params
    if integration is None:
        if not settings.open311_public_read or not ids:
            raise Open311Error(401, "查询需要 api_key 或 service_request_id", "api_key or service_request_id required")
        await enforce_rate(
            deps, f"ip:{client_address(request)}", settings.rate_limit_requests, settings.rate_limit_window_seconds
        )
        docs = (await deps.repo.search(LedgerQuery(ids=tuple(ids[:50]), page_size=50))).docs
        return [open311.request_view(d, full=False) for d in docs if d["status"] != "draft"]
    jurisdiction = params.get("jurisdiction_id")
    estates = integration.estates if "*" not in integration.estates else None
    if jurisdiction:
        if estates is not None and jurisdiction not in estates:
            raise Open311Error(403, "该接入密钥无权访问此项目", "this api_key does not serve this jurisdiction")
        estates = (jurisdiction,)
    try:
        query = LedgerQuery(
            estates=estates,
            recorder_id=f"integration:{integration.key_id}",
            ids=tuple(ids) if ids else None,
            date_from=datetime.fromisoformat(params["start_date"]) if params.get("start_date") else None,
            date_to=datetime.fromisoformat(params["end_date"]) if params.get("end_date") else None,
            page_size=100,
        )
    except ValueError:
        raise Open311Error(400, "日期格式错误（应为 W3C 格式）", "start_date/end_date must be W3C datetimes") from None
    docs = (await deps.repo.search(query)).docs
    codes = set(filter(None, params.get("service_code", "").split(",")))
    wanted = set(filter(None, params.get("status", "").split(",")))
    views = [open311.request_view(d, full=True) for d in docs if d["status"] != "draft"]
    return [v for v in views if (not codes or v["service_code"] in codes) and (not wanted or v["status"] in wanted)]


@router.get(
    "/requests.json",
    summary="查询服务请求（多条）/ service requests",
    description="带 api_key：本接入方提交的请求（含描述）；不带：仅按 service_request_id 查询状态（不含内容与地址）。",
    responses=examples.response(_REQUEST_EXAMPLE),
)
async def get_requests(request: Request, deps: Deps, settings: Settings) -> list[dict[str, Any]]:
    ids = [i for i in request.query_params.get("service_request_id", "").split(",") if i] or None
    return await _requests(request, deps, settings, ids)


@router.get(
    "/requests/{service_request_id}.json",
    summary="查询单条服务请求 / one service request",
    responses=examples.response(_REQUEST_EXAMPLE),
)
async def get_request(
    service_request_id: str, request: Request, deps: Deps, settings: Settings
) -> list[dict[str, Any]]:
    found = await _requests(request, deps, settings, [service_request_id])
    if not found:
        raise Open311Error(404, "未找到该服务请求", "service request not found")
    return found
