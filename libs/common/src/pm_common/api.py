"""FastAPI pieces every service shares: bilingual errors, auth dependency, health and metrics routes.

Error body: ``{"error": {"code": ..., "message": <简体中文>, "message_en": <English>, "fields": [...]}}``.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

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


def install_error_handlers(app: FastAPI) -> None:
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


async def current_staff(request: Request) -> Principal:
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


def install_health_routes(app: FastAPI, health: Callable[[], Awaitable[dict[str, Any]]]) -> None:
    @app.get("/healthz", tags=["operations"], summary="健康检查 / health (Mongo and Kafka reachable)")
    async def healthz() -> JSONResponse:
        report = await health()
        return JSONResponse(report, status_code=200 if report["status"] == "ok" else 503)

    @app.get("/metrics", tags=["operations"], summary="Prometheus 指标 / metrics")
    async def metrics() -> PlainTextResponse:
        return PlainTextResponse(generate_latest().decode(), media_type=CONTENT_TYPE_LATEST)
