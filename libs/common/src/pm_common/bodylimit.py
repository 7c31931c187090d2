"""Request body size limit of every service: 413 in the platform's error body, before authentication.

Installed by ``create_service_app`` (setting ``<SVC>_MAX_BODY_BYTES``), outside routing, so it runs
before any dependency (authentication included) and nothing is buffered beyond the limit:

- a request announcing a larger ``Content-Length`` is refused before one byte of its body is read;
- a body without ``Content-Length`` (chunked) is counted while it streams in, by Starlette's
  ``RequestBodyLimitMiddleware``; reading stops at the first chunk over the limit.

Starlette answers its own 413s in plain text; they are rewritten here to the platform's body.
"""

from __future__ import annotations

import json

from fastapi import FastAPI
from fastapi.responses import JSONResponse
from starlette.middleware.body_limit import RequestBodyLimitMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from pm_common.api import too_large_body


class BodySizeLimit:
    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.inner = RequestBodyLimitMiddleware(app, max_body_size=max_bytes)
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.inner(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.strip().isdigit() and int(declared) > self.max_bytes:
            await JSONResponse(too_large_body(self.max_bytes), status_code=413, headers={"Connection": "close"})(
                scope, receive, send
            )
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
    """Refuse request bodies over ``max_bytes`` (announced or streamed) with 413.

    Add it last so it is the outermost of the app's own middleware."""
    app.add_middleware(BodySizeLimit, max_bytes=max_bytes)
