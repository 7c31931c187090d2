"""The one place that maps dispatch's domain errors to HTTP status codes and the bilingual body."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from pm_common.api import error_body
from pm_dispatch.domain import errors as e

STATUS: dict[type[e.DomainError], int] = {
    e.TaskNotFound: 404,
    e.IllegalTransition: 409,
    e.RuleViolated: 409,
    e.ConcurrentChange: 409,
    e.NotPermitted: 403,
    e.InvalidInput: 422,
    e.InvalidCursor: 422,
    e.ContactUnavailable: 503,
}


def status_of(exc: e.DomainError) -> int:
    for cls in type(exc).__mro__:
        if cls in STATUS:
            return STATUS[cls]
    return 400


def body_of(exc: e.DomainError) -> dict[str, Any]:
    extra: dict[str, Any] = {}
    if isinstance(exc, e.IllegalTransition):
        extra = {"status": exc.status, "action": exc.action}
    elif isinstance(exc, e.RuleViolated):
        extra = {"rule": exc.rule}
    elif isinstance(exc, e.InvalidInput):
        extra["fields"] = [{"field": p.field, "reason": p.reason, "reason_en": p.reason_en} for p in exc.problems]
    return error_body(exc.code, exc.zh, exc.en, **extra)


def install_dispatch_errors(app: FastAPI) -> None:
    @app.exception_handler(e.DomainError)
    async def _domain(_: Request, exc: e.DomainError) -> JSONResponse:
        return JSONResponse(body_of(exc), status_code=status_of(exc))
