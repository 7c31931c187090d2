"""The one place that maps domain errors to HTTP status codes and the bilingual error body."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from pm_common.api import error_body
from pm_intake.domain import errors as e

STATUS: dict[type[e.DomainError], int] = {
    e.UnknownEstate: 422,
    e.InvalidRegistration: 422,
    e.InvalidQuery: 422,
    e.InvalidCursor: 422,
    e.AttachmentTooLarge: 413,
    e.NotFound: 404,
    e.InvalidState: 409,
    e.IdempotencyConflict: 409,
    e.NoIdentityStored: 409,
    e.NotPermitted: 403,
    e.OwnerAuthFailed: 401,
}


class RateLimited(Exception):
    def __init__(self, retry_after: int) -> None:
        super().__init__("rate limited")
        self.retry_after = retry_after


def status_of(exc: e.DomainError) -> int:
    for cls in type(exc).__mro__:
        if cls in STATUS:
            return STATUS[cls]
    return 400


def body_of(exc: e.DomainError) -> dict[str, Any]:
    extra: dict[str, Any] = {}
    if isinstance(exc, (e.InvalidRegistration, e.InvalidQuery)):
        extra["fields"] = [{"field": p.field, "reason": p.reason, "reason_en": p.reason_en} for p in exc.problems]
    if isinstance(exc, e.InvalidCursor):
        extra["fields"] = [{"field": "cursor", "reason": exc.zh, "reason_en": exc.en}]
    if isinstance(exc, e.AttachmentTooLarge):
        extra["fields"] = [{"field": exc.field, "reason": exc.zh, "reason_en": exc.en}]
        extra["limit_bytes"] = exc.limit
    return error_body(exc.code, exc.zh, exc.en, **extra)


def rate_limited_body() -> dict[str, Any]:
    return error_body("rate_limited", "请求过于频繁，请稍后再试", "too many requests, retry later")


def install_intake_errors(app: FastAPI) -> None:
    @app.exception_handler(e.DomainError)
    async def _domain(_: Request, exc: e.DomainError) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if isinstance(exc, e.OwnerAuthFailed) else None
        return JSONResponse(body_of(exc), status_code=status_of(exc), headers=headers)

    @app.exception_handler(RateLimited)
    async def _rate(_: Request, exc: RateLimited) -> JSONResponse:
        return JSONResponse(rate_limited_body(), status_code=429, headers={"Retry-After": str(exc.retry_after)})
