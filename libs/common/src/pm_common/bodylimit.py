"""Request body size limit as pure ASGI middleware: 413 with the bilingual error body.

Requests announcing a larger ``Content-Length`` are refused before anything is read; chunked
bodies are counted while the application reads them and refused when they pass the limit.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from pm_common.api import error_body


class BodyTooLarge(HTTPException):
    def __init__(self, limit: int) -> None:
        super().__init__(413, "request body too large")
        self.limit = limit


def too_large_body(limit: int) -> dict[str, Any]:
    return error_body(
        "payload_too_large",
        f"提交的内容过大（上限 {limit} 字节）",
        f"request body too large (limit {limit} bytes)",
        limit_bytes=limit,
    )


class BodySizeLimit:
    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await JSONResponse(too_large_body(self.max_bytes), status_code=413)(scope, receive, send)
            return
        seen = 0

        async def counting_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    raise BodyTooLarge(self.max_bytes)
            return message

        await self.app(scope, counting_receive, send)


def install_body_limit(app: FastAPI, max_bytes: int) -> None:
    """Refuse request bodies over ``max_bytes`` (announced or streamed) with 413."""
    app.add_middleware(BodySizeLimit, max_bytes=max_bytes)

    @app.exception_handler(BodyTooLarge)
    async def _too_large(_: Request, exc: BodyTooLarge) -> JSONResponse:
        return JSONResponse(too_large_body(exc.limit), status_code=413)
