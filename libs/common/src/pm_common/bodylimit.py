"""Request body size limit: 413 with the bilingual error body, announced or streamed bodies alike.

Requests announcing a larger ``Content-Length`` are refused before anything is read. Chunked bodies
are counted by Starlette's ``RequestBodyLimitMiddleware`` (which FastAPI understands even through
``BaseHTTPMiddleware`` task groups); its 413 responses are rewritten to the platform's error body.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException
from starlette.middleware.body_limit import RequestBodyLimitMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from pm_common.api import error_body


def too_large_body(limit: int) -> dict[str, Any]:
    return error_body(
        "payload_too_large",
        f"提交的内容过大（上限 {limit} 字节）",
        f"request body too large (limit {limit} bytes)",
        limit_bytes=limit,
    )


class BodySizeLimit:
    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.inner = RequestBodyLimitMiddleware(app, max_body_size=max_bytes)
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.inner(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await JSONResponse(too_large_body(self.max_bytes), status_code=413)(scope, receive, send)
            return
        rewriting = False

        async def rewrite_plain_413(message: Message) -> None:
            nonlocal rewriting
            if message["type"] == "http.response.start" and message["status"] == 413:
                content_type = dict(message.get("headers") or []).get(b"content-type", b"")
                rewriting = content_type.startswith(b"text/plain")
            if not rewriting:
                await send(message)
            elif message["type"] == "http.response.start":
                body = json.dumps(too_large_body(self.max_bytes), ensure_ascii=False).encode()
                headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
                await send({"type": "http.response.start", "status": 413, "headers": headers})
                await send({"type": "http.response.body", "body": body, "more_body": False})

        await self.inner(scope, receive, rewrite_plain_413)


def install_body_limit(app: FastAPI, max_bytes: int) -> None:
    """Refuse request bodies over ``max_bytes`` (announced or streamed) with 413."""
    app.add_middleware(BodySizeLimit, max_bytes=max_bytes)

    @app.exception_handler(HTTPException)
    async def _http(request: Request, exc: HTTPException) -> Response:
        if exc.status_code == 413:
            return JSONResponse(too_large_body(max_bytes), status_code=413)
        return await http_exception_handler(request, exc)
