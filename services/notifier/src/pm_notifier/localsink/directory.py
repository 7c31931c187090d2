"""A real, small HTTP contact directory for tests and demos without intake or dispatch: it answers
intake's ``/internal/v1/complaints/{id}/contact`` and dispatch's ``/internal/v1/people/{id}/contact``
the way those services do (dispatch's endpoint is not on main yet), checks the notifier's service
token, and records every lookup. It stands in for the two services, not for the notifier's code;
``default_owner`` answers every unknown complaint with that owner."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from pm_common.auth import InvalidToken, verify_token
from pm_common.testing import free_port


@dataclass
class Directory:
    secret: str
    owners: dict[str, dict[str, Any]] = field(default_factory=dict)
    people: dict[str, dict[str, Any]] = field(default_factory=dict)
    lookups: list[tuple[str, str, str]] = field(default_factory=list)  # (kind, id, purpose)
    down: bool = False
    url: str = ""
    default_owner: dict[str, Any] | None = None

    def owner(self, cid: str, phone: str | None = "13812341234", email: str | None = None, **extra: Any) -> None:
        contact = {k: v for k, v in (("sms", phone), ("email", email)) if v}
        self.owners[cid] = {
            "complaint_id": cid,
            "estate_id": "SUNNY",
            "estate_name": "阳光花园",
            "reference_no": f"SUNNY-20261201-{len(self.owners) + 1:04d}",
            "next_contact_by": "2026-12-01T10:00:00+00:00",
            "anonymous": not contact,
            "owner_ref": f"ok-{cid}" if contact else None,
            "contact": contact,
            **extra,
        }

    def person(self, pid: str, channels: tuple[str, ...] = (), **contact: str) -> None:
        self.people[pid] = {"person_id": pid, "estate_id": "SUNNY", "contact": contact, "channels": list(channels)}

    def app(self) -> FastAPI:
        app = FastAPI()

        def authorised(request: Request) -> bool:
            token = request.headers.get("authorization", "").removeprefix("Bearer ")
            try:
                p = verify_token(self.secret, token)
            except InvalidToken:
                return False
            return p.role == "integration" and p.sub == "service:notifier"

        def answer(kind: str, key: str, table: dict[str, dict[str, Any]], request: Request) -> JSONResponse:
            if self.down:
                return JSONResponse({"error": "down"}, 503)
            if not authorised(request):
                return JSONResponse({"error": "forbidden"}, 403)
            self.lookups.append((kind, key, request.query_params.get("purpose", "")))
            if key not in table and kind == "owner" and self.default_owner is not None:
                return JSONResponse({**self.default_owner, "complaint_id": key})
            if key not in table:
                return JSONResponse({"error": "not found"}, 404)
            return JSONResponse(table[key])

        @app.get("/internal/v1/complaints/{cid}/contact")
        async def owner(cid: str, request: Request) -> JSONResponse:
            return answer("owner", cid, self.owners, request)

        @app.get("/internal/v1/people/{pid}/contact")
        async def person(pid: str, request: Request) -> JSONResponse:
            return answer("staff", pid, self.people, request)

        return app


@contextlib.asynccontextmanager
async def running_directory(secret: str) -> AsyncIterator[Directory]:
    directory = Directory(secret)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(directory.app(), host="127.0.0.1", port=port, log_level="warning"))
    task = asyncio.create_task(server.serve())
    for _ in range(200):
        if server.started:
            break
        await asyncio.sleep(0.05)
    directory.url = f"http://127.0.0.1:{port}"
    try:
        yield directory
    finally:
        server.should_exit = True
        await task
