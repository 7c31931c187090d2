"""The one place that maps triage domain errors to HTTP: 404 not found, 409 conflict, 422 invalid."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from pm_common.api import error_body
from pm_triage.domain.errors import Conflict, Invalid, NotFound, TriageError

STATUS: tuple[tuple[type[TriageError], int], ...] = ((NotFound, 404), (Conflict, 409), (Invalid, 422))


def status_of(error: TriageError) -> int:
    return next((code for kind, code in STATUS if isinstance(error, kind)), 400)


def install(app: FastAPI) -> None:
    @app.exception_handler(TriageError)
    async def _domain_error(_: Request, exc: TriageError) -> JSONResponse:
        return JSONResponse(error_body(exc.code, exc.zh, exc.en), status_code=status_of(exc))
