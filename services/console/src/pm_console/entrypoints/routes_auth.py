"""Log-in page, log-in, log-out, the home redirect and the language switch."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from pm_console.domain.errors import AccountLocked, ConsoleError, LoginFailed
from pm_console.entrypoints.deps import (
    PRELOGIN_COOKIE,
    SESSION_COOKIE,
    CurrentDep,
    Deps,
    Settings,
    check_csrf,
    form_fields,
)
from pm_console.entrypoints.errors import status_of
from pm_console.entrypoints.i18n import lang_of
from pm_console.entrypoints.permissions import allowed, permit
from pm_console.entrypoints.views import render
from pm_console.service_layer import auth

router = APIRouter(tags=["登录 log-in"])


def _safe_next(target: str | None) -> str:
    """Only a path on this site (no ``//host`` or scheme): no open redirect after log-in."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def _login_page(request: Request, settings: Settings, status: int = 200, error: str | None = None) -> Response:
    token = request.cookies.get(PRELOGIN_COOKIE) or secrets.token_urlsafe(24)
    response = render(
        request, "login.html", status=status, csrf=token, error=error, next=_safe_next(request.query_params.get("next"))
    )
    response.set_cookie(
        PRELOGIN_COOKIE, token, httponly=True, samesite="strict", secure=settings.cookie_secure, max_age=3600
    )
    return response


@router.get("/login", include_in_schema=False)
async def login_page(request: Request, settings: Settings) -> Response:
    return _login_page(request, settings)


@router.post("/login", include_in_schema=False)
async def login(request: Request, deps: Deps, settings: Settings) -> Response:
    form = await form_fields(request)
    check_csrf(request, request.cookies.get(PRELOGIN_COOKIE) or "", form.get("csrf"))
    try:
        done = await auth.login(
            form.get("username", "")[:40],
            form.get("password", "")[:200],
            deps.accounts,
            deps.sessions,
            deps.hasher,
            deps.lockout,
            deps.session_policy,
            datetime.now(UTC),
        )
    except (LoginFailed, AccountLocked) as exc:
        response = _login_page(request, settings, status_of(exc), _message(request, exc))
        if isinstance(exc, AccountLocked):
            response.headers["Retry-After"] = str(exc.retry_after_seconds)
        return response
    response = RedirectResponse(_safe_next(form.get("next")), status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        done.cookie,
        httponly=True,
        samesite="strict",
        secure=settings.cookie_secure,
        max_age=settings.session_lifetime_seconds,
    )
    response.delete_cookie(PRELOGIN_COOKIE)
    return response


def _message(request: Request, exc: ConsoleError) -> str:
    return exc.en if lang_of(request) == "en" else exc.zh


@router.post("/logout", include_in_schema=False)
async def logout(request: Request, deps: Deps) -> Response:
    """A form post (no script needed): the CSRF token comes as a form field."""
    cookie = request.cookies.get(SESSION_COOKIE)
    session = await auth.current_session(cookie, deps.sessions, deps.session_policy, datetime.now(UTC))
    check_csrf(request, session.csrf, (await form_fields(request)).get("csrf"))
    await auth.logout(cookie, deps.sessions)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response


@router.get("/", include_in_schema=False)
async def home(current: CurrentDep) -> Response:
    permit(current.session, "console.home")
    target = "/desk" if allowed(current.session, "desk.register") else "/ledger"
    return RedirectResponse(target, status_code=303)
