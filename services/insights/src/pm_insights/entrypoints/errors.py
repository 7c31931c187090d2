"""The one place that maps domain errors to HTTP status codes and the bilingual error body."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from pm_common.api import error_body
from pm_insights.domain import errors as e

STATUS: dict[type[e.DomainError], int] = {
    e.InvalidPeriod: 422,
    e.EstateForbidden: 403,
    e.NotFound: 404,
}


def status_of(exc: e.DomainError) -> int:
    for cls in type(exc).__mro__:
        if cls in STATUS:
            return STATUS[cls]
    return 400


def install_insights_errors(app: FastAPI) -> None:
    @app.exception_handler(e.DomainError)
    async def _domain(_: Request, exc: e.DomainError) -> JSONResponse:
        return JSONResponse(error_body(exc.code, exc.zh, exc.en), status_code=status_of(exc))
