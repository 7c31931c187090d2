"""The one place that maps domain errors (and other services' errors) to HTTP answers.

JSON routes (``/api/…``, ``/h5/api/…``) answer the platform's bilingual error body; pages answer
an error page, or the log-in page for a missing session."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response

from pm_common.api import error_body
from pm_console.adapters.uploads import UploadRefused
from pm_console.domain import errors as e
from pm_console.entrypoints.i18n import lang_of
from pm_console.entrypoints.views import render
from pm_console.service_layer.ports import PlatformError

STATUS: dict[type[e.ConsoleError], int] = {
    e.LoginFailed: 401,
    e.AccountLocked: 429,
    e.NotLoggedIn: 401,
    e.CsrfRejected: 403,
    e.NotPermitted: 403,
    e.InvalidAccount: 422,
    e.AccountExists: 409,
}


def status_of(exc: e.ConsoleError) -> int:
    return next((STATUS[c] for c in type(exc).__mro__ if c in STATUS), 400)


def wants_json(request: Request) -> bool:
    path = request.url.path
    return path.startswith(("/api/", "/h5/api/")) or "application/json" in request.headers.get("accept", "")


def error_page(request: Request, status: int, error: dict[str, Any]) -> Response:
    message = error.get("message_en") if lang_of(request) == "en" else error.get("message")
    return render(request, "error.html", status=status, message=message or error.get("code"), error=error)


def install_console_errors(app: FastAPI) -> None:
    @app.exception_handler(e.ConsoleError)
    async def _domain(request: Request, exc: e.ConsoleError) -> Response:
        status = status_of(exc)
        headers = {}
        if isinstance(exc, e.AccountLocked):
            headers["Retry-After"] = str(exc.retry_after_seconds)
        if wants_json(request):
            return JSONResponse(error_body(exc.code, exc.zh, exc.en), status_code=status, headers=headers)
        if isinstance(exc, e.NotLoggedIn):
            return RedirectResponse(f"/login?next={quote(request.url.path)}", status_code=303)
        return error_page(request, status, {"code": exc.code, "message": exc.zh, "message_en": exc.en})

    @app.exception_handler(PlatformError)
    async def _platform(request: Request, exc: PlatformError) -> Response:
        if wants_json(request):
            return JSONResponse(exc.body, status_code=exc.status)
        return error_page(request, exc.status, exc.error)

    @app.exception_handler(UploadRefused)
    async def _upload(_: Request, exc: UploadRefused) -> Response:
        return JSONResponse(error_body("upload_refused", exc.zh, exc.en), status_code=exc.status)
