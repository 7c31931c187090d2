"""FastAPI pieces every service shares: bilingual errors, auth dependency, health and metrics routes.

Error body: ``{"error": {"code": ..., "message": <简体中文>, "message_en": <English>, "fields": [...]}}``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Annotated, Any, Protocol

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.exceptions import HTTPException as StarletteHTTPException

from pm_common.auth import InvalidToken, Principal, Role, verify_token
from pm_common.mongo import TRANSIENT_DB_ERRORS, PyMongoError

log = logging.getLogger(__name__)


class ApiError(Exception):
    def __init__(self, status: int, code: str, zh: str, en: str, **extra: Any) -> None:
        super().__init__(en)
        self.status, self.code, self.zh, self.en, self.extra = status, code, zh, en, extra


def error_body(code: str, zh: str, en: str, **extra: Any) -> dict[str, Any]:
    return {"error": {"code": code, "message": zh, "message_en": en, **extra}}


_ZH_BY_TYPE = {
    "missing": "必填项缺失",
    "string_too_short": "内容过短",
    "string_too_long": "内容过长",
    "string_type": "应为文本",
    "int_parsing": "应为整数",
    "int_type": "应为整数",
    "bool_parsing": "应为布尔值",
    "datetime_parsing": "时间格式错误（应为 ISO 8601）",
    "datetime_from_date_parsing": "时间格式错误（应为 ISO 8601）",
    "literal_error": "取值不在允许范围内",
    "enum": "取值不在允许范围内",
    "extra_forbidden": "不允许的字段",
    "json_invalid": "JSON 格式错误",
    "value_error": "取值无效",
    "greater_than_equal": "数值过小",
    "less_than_equal": "数值过大",
    "string_pattern_mismatch": "格式不正确",
    "too_long": "条目过多",
    "too_short": "条目过少",
}


def _field_errors(exc: RequestValidationError) -> list[dict[str, str]]:
    fields = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err.get("loc", ()) if p != "body")
        reason_en = str(err.get("msg", "invalid"))
        reason_zh = _ZH_BY_TYPE.get(str(err.get("type")), "取值无效")
        if err.get("type") == "value_error" and reason_en.startswith("Value error, "):
            reason_en = reason_en.removeprefix("Value error, ")
            reason_zh, _, reason_en = reason_en.partition(" / ") if " / " in reason_en else (reason_zh, "", reason_en)
        fields.append({"field": loc, "reason": reason_zh, "reason_en": reason_en})
    return fields


# Errors raised by Starlette/FastAPI themselves (unknown path, wrong method, unparsable body, ...),
# answered in the platform's body instead of ``{"detail": ...}``: status -> (code, 中文, English).
_HTTP_ERRORS: dict[int, tuple[str, str, str]] = {
    400: ("bad_request", "请求格式错误，无法解析", "bad request"),
    401: ("unauthorized", "需要登录", "unauthorized"),
    403: ("forbidden", "无权执行此操作", "forbidden"),
    404: ("not_found", "请求的地址不存在", "not found"),
    405: ("method_not_allowed", "该地址不支持此请求方法", "method not allowed"),
    406: ("not_acceptable", "无法提供所要求的响应格式", "not acceptable"),
    415: ("unsupported_media_type", "不支持的内容类型", "unsupported media type"),
    429: ("rate_limited", "请求过于频繁，请稍后再试", "too many requests, retry later"),
    503: ("unavailable", "服务暂时不可用，请稍后重试", "service unavailable, retry later"),
}
MAX_BODY_SCOPE_KEY = "starlette.max_body_size"  # set by Starlette's body-limit middleware


def too_large_body(limit: int | None) -> dict[str, Any]:
    if limit is None:
        return error_body("payload_too_large", "提交的内容过大", "request body too large")
    return error_body(
        "payload_too_large",
        f"提交的内容过大（上限 {limit} 字节）",
        f"request body too large (limit {limit} bytes)",
        limit_bytes=limit,
    )


def http_error_body(status: int, detail: Any, limit: int | None = None) -> dict[str, Any]:
    """The platform's error body for a framework-raised HTTP error."""
    if status == 413:
        return too_large_body(limit)
    code, zh, en = _HTTP_ERRORS.get(status, (f"http_{status}", "请求无法处理", "request cannot be processed"))
    if isinstance(detail, str) and detail and detail.lower() != en.lower():
        en = f"{en}: {detail}" if status == 400 else detail
    return error_body(code, zh, en)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code in (204, 304):  # no body allowed
            return Response(status_code=exc.status_code, headers=exc.headers)
        body = http_error_body(exc.status_code, exc.detail, request.scope.get(MAX_BODY_SCOPE_KEY))
        return JSONResponse(body, status_code=exc.status_code, headers=exc.headers)

    @app.exception_handler(ApiError)
    async def _api_error(_: Request, exc: ApiError) -> JSONResponse:
        return JSONResponse(error_body(exc.code, exc.zh, exc.en, **exc.extra), status_code=exc.status)

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        body = error_body("validation_failed", "提交的内容有误，请检查标出的字段", "request validation failed")
        body["error"]["fields"] = _field_errors(exc)
        return JSONResponse(body, status_code=422)

    @app.exception_handler(PyMongoError)
    async def _database(_: Request, exc: PyMongoError) -> JSONResponse:
        if isinstance(exc, TRANSIENT_DB_ERRORS):
            log.warning("database unavailable: %s", exc)
            body = error_body(
                "unavailable", "服务暂时不可用（数据库无法连接），请稍后重试", "database unavailable, retry later"
            )
            return JSONResponse(body, status_code=503, headers={"Retry-After": "5"})
        log.exception("database error")
        return JSONResponse(error_body("internal_error", "系统内部错误，请稍后重试", "internal error"), 500)

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error")
        return JSONResponse(error_body("internal_error", "系统内部错误，请稍后重试", "internal error"), 500)


def bearer_token(request: Request, zh: str = "需要登录（缺少 Bearer 令牌）", en: str = "missing bearer token") -> str:
    """The token of an ``Authorization: Bearer`` header, or a 401 saying (zh / en) what is missing."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ApiError(401, "unauthorized", zh, en)
    return token.strip()


# Declares the staff bearer scheme in OpenAPI on every route that needs a staff token; the token is
# read and answered (401 in the platform's error body) by ``current_staff`` itself.
STAFF_BEARER = HTTPBearer(
    auto_error=False,
    scheme_name="staffBearer",
    bearerFormat="pm-hmac",
    description="员工令牌 / staff token: make token ROLE=front_desk ESTATES=SUNNY",
)


async def current_staff(
    request: Request, _declared: Annotated[HTTPAuthorizationCredentials | None, Depends(STAFF_BEARER)] = None
) -> Principal:
    """The verified staff principal; the secret comes from the app's settings (``app.state.settings``)."""
    try:
        return verify_token(str(request.app.state.settings.auth_secret), bearer_token(request))
    except InvalidToken as exc:
        raise ApiError(401, "unauthorized", exc.zh, exc.en) from None


Staff = Annotated[Principal, Depends(current_staff)]


def require_role(principal: Principal, *roles: Role) -> None:
    if principal.role not in roles and principal.role != "admin":
        raise ApiError(403, "forbidden", "当前角色无权执行此操作", f"role {principal.role} may not do this")


def require_estate(principal: Principal, estate_id: str) -> None:
    if not principal.can_see(estate_id):
        raise ApiError(403, "estate_forbidden", "无权访问该项目（小区）的数据", "no access to this estate")


class Probes(Protocol):
    """What the probe routes ask (``ServiceRuntime`` implements it)."""

    def live(self) -> dict[str, Any]: ...

    async def readiness(self) -> dict[str, Any]: ...

    async def health(self) -> dict[str, Any]: ...


def install_health_routes(app: FastAPI, probes: Callable[[], Probes]) -> None:
    """``/livez`` (liveness), ``/readyz`` (readiness), ``/healthz`` (status document for people), ``/metrics``.

    Orchestrators use ``/livez`` to restart and ``/readyz`` to route traffic; neither opens a client
    to an engine (the DB answers a ping on the pooled connection; the broker state is the cached
    result of the runtime's background check)."""

    def answer(report: dict[str, Any]) -> JSONResponse:
        return JSONResponse(report, status_code=200 if report["status"] == "ok" else 503)

    def documented(ok: dict[str, Any], failing: dict[str, Any]) -> dict[int | str, dict[str, Any]]:
        return {
            200: {"description": "正常 / ok", "content": {"application/json": {"example": ok}}},
            503: {"description": "异常 / not ok", "content": {"application/json": {"example": failing}}},
        }

    @app.get(
        "/livez",
        tags=["operations"],
        summary="存活探针 / liveness: the process runs (no dependency checked); 503 only if a background task died",
        responses=documented(
            {"status": "ok", "service": "intake", "failed_tasks": []},
            {"status": "failed", "service": "intake", "failed_tasks": ["outbox-relay: RuntimeError"]},
        ),
    )
    async def livez() -> JSONResponse:
        return answer(probes().live())

    @app.get(
        "/readyz",
        tags=["operations"],
        summary="就绪探针 / readiness: what this service needs to do its job is reachable (intake: the DB; "
        "consumers: DB and broker)",
        responses=documented(
            {"status": "ok", "service": "triage", "requires": ["mongo", "kafka"], "missing": []},
            {"status": "unavailable", "service": "triage", "requires": ["mongo", "kafka"], "missing": ["kafka"]},
        ),
    )
    async def readyz() -> JSONResponse:
        return answer(await probes().readiness())

    @app.get(
        "/healthz",
        tags=["operations"],
        summary="状态详情 / detailed status for people (every check); 200 only when everything is up — "
        "not a probe: use /livez and /readyz",
        responses=documented(
            {
                "status": "ok",
                "service": "intake",
                "live": True,
                "ready": True,
                "checks": {"mongo": "ok", "kafka": "ok"},
            },
            {
                "status": "degraded",
                "service": "intake",
                "live": True,
                "ready": True,
                "checks": {"mongo": "ok", "kafka": "unreachable", "kafka_error": "KafkaConnectionError: …"},
            },
        ),
    )
    async def healthz() -> JSONResponse:
        return answer(await probes().health())

    @app.get("/metrics", tags=["operations"], summary="Prometheus 指标 / metrics")
    async def metrics() -> PlainTextResponse:
        return PlainTextResponse(generate_latest().decode(), media_type=CONTENT_TYPE_LATEST)
