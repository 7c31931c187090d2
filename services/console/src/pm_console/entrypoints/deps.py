"""FastAPI dependencies: adapters, settings, the staff session (cookie) with its CSRF check, and the
short-lived platform token of the session."""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated
from urllib.parse import parse_qs, urlsplit

from fastapi import Depends, Request

from pm_common.service import runtime_of
from pm_console.bootstrap import Adapters, adapters_of
from pm_console.config import ConsoleSettings
from pm_console.domain.errors import CsrfRejected
from pm_console.domain.sessions import StaffSession
from pm_console.service_layer import auth

SESSION_COOKIE = "pm_console_session"
PRELOGIN_COOKIE = "pm_console_prelogin"
CSRF_HEADER = "x-csrf-token"


def get_adapters(request: Request) -> Adapters:
    return adapters_of(runtime_of(request))


def get_settings(request: Request) -> ConsoleSettings:
    settings: ConsoleSettings = request.app.state.settings
    return settings


Deps = Annotated[Adapters, Depends(get_adapters)]
Settings = Annotated[ConsoleSettings, Depends(get_settings)]


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


async def form_fields(request: Request) -> dict[str, str]:
    """A url-encoded form body (the console needs no multipart), first value of each field."""
    fields = parse_qs((await request.body()).decode("utf-8", "replace"), max_num_fields=50)
    return {k: v[0] for k, v in fields.items()}


def same_origin(request: Request) -> bool:
    """A state-changing request must not come from another site (checked on top of the token)."""
    origin = request.headers.get("origin") or request.headers.get("referer")
    if not origin:
        return True  # old browsers and non-browser clients; the token still has to match
    return urlsplit(origin).netloc == request.headers.get("host", "")


def check_csrf(request: Request, expected: str, given: str | None) -> None:
    if not given or not hmac.compare_digest(given, expected) or not same_origin(request):
        raise CsrfRejected()


@dataclass(frozen=True)
class Current:
    session: StaffSession
    token: str  # bearer token for the other services, minted for this request


async def current(request: Request, deps: Deps, settings: Settings) -> Current:
    session = await auth.current_session(
        request.cookies.get(SESSION_COOKIE), deps.sessions, deps.session_policy, datetime.now(UTC)
    )
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        given = request.headers.get(CSRF_HEADER)
        if given is None and request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
            given = (await form_fields(request)).get("csrf")  # a plain form post (no script)
        check_csrf(request, session.csrf, given)
    token = auth.platform_token(settings.auth_secret, session, settings.platform_token_ttl_seconds)
    return Current(session, token)


CurrentDep = Annotated[Current, Depends(current)]
