"""FastAPI dependencies: adapters, the filing caller (staff token or integration API key), the owner,
and per-source rate limits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from pm_common.api import STAFF_BEARER, ApiError, bearer_token, current_staff
from pm_common.auth import Principal
from pm_common.service import runtime_of
from pm_intake.bootstrap import Adapters, adapters_of
from pm_intake.config import IntakeSettings
from pm_intake.domain.channels import Submitter
from pm_intake.domain.identity import OwnerPrincipal, owner_key, verify_owner_token
from pm_intake.entrypoints.errors import RateLimited
from pm_intake.entrypoints.permissions import permit
from pm_intake.service_layer import integrations
from pm_intake.service_layer.handlers import Filer


def get_adapters(request: Request) -> Adapters:
    return adapters_of(runtime_of(request))


def get_settings(request: Request) -> IntakeSettings:
    settings: IntakeSettings = request.app.state.settings
    return settings


Deps = Annotated[Adapters, Depends(get_adapters)]
Settings = Annotated[IntakeSettings, Depends(get_settings)]


def client_address(request: Request) -> str:
    """The TCP peer, or — only behind a proxy listed in ``PM_TRUSTED_PROXIES`` — the right-most address
    of ``X-Forwarded-For`` that is not a trusted proxy (applied by pm_common.service). Never a header
    a client can simply make up."""
    return request.client.host if request.client else "unknown"


async def enforce_rate(adapters: Adapters, source: str, limit: int, window_seconds: int) -> None:
    decision = await adapters.limiter.hit(source, limit, window_seconds)
    if not decision.allowed:
        raise RateLimited(decision.retry_after_seconds)


def refuse_if_exhausted(adapters: Adapters, source: str, limit: int, window_seconds: int) -> None:
    """Refuse at once, without a database operation, a source this process knows is over its limit
    (before a registration starts its other round trips alongside the rate-limit hit)."""
    decision = adapters.limiter.exhausted(source, limit, window_seconds)
    if decision is not None:
        raise RateLimited(decision.retry_after_seconds)


async def enforce_otp_limits(request: Request, adapters: Adapters, settings: IntakeSettings, phone: str) -> None:
    """Code requests: ``INTAKE_OTP_RATE_LIMIT_REQUESTS`` per phone **and client address** and 4× that per
    address, per window. There is deliberately no limit per phone alone: it would let anyone lock an
    owner out by asking codes for the owner's number; an attacker only exhausts its own budget."""
    window, limit = settings.otp_rate_limit_window_seconds, settings.otp_rate_limit_requests
    client = client_address(request)
    await enforce_rate(adapters, f"otp-ip:{client}", limit * 4, window)
    await enforce_rate(adapters, f"otp-phone:{owner_key(adapters.policy.owner_secret, phone)}|{client}", limit, window)


@dataclass(frozen=True)
class Caller:
    principal: Principal
    filer: Filer
    integration: integrations.Integration | None = None


async def integration_of(request: Request, adapters: Adapters, api_key: str | None = None) -> integrations.Integration:
    key = api_key or request.headers.get("x-api-key")
    found = await integrations.authenticate(key, adapters.keys) if key else None
    if found is None:
        raise ApiError(401, "unauthorized", "接入密钥无效或已停用", "invalid or revoked API key")
    return found


INTEGRATION_KEY = APIKeyHeader(
    name="X-Api-Key", auto_error=False, scheme_name="integrationKey", description="对接系统接入密钥 / integration key"
)
OWNER_BEARER = HTTPBearer(
    auto_error=False, scheme_name="ownerBearer", description="业主令牌 / owner token (POST /v1/owner/session)"
)


async def current_caller(
    request: Request,
    adapters: Deps,
    _bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(STAFF_BEARER)] = None,
    _key: Annotated[str | None, Depends(INTEGRATION_KEY)] = None,
) -> Caller:
    """A staff member (Bearer token) or an integration (``X-Api-Key``)."""
    if request.headers.get("x-api-key"):
        found = await integration_of(request, adapters)
        principal = Principal(sub=f"integration:{found.key_id}", role="integration", estates=found.estates, exp=2**31)
        filer = Filer(principal.sub, f"key:{found.key_id}", Submitter(True, found.channels))
        return Caller(principal, filer, found)
    staff = await current_staff(request)
    submitter = Submitter(staff.role == "integration")
    return Caller(staff, Filer(staff.sub, f"staff:{staff.sub}", submitter))


CallerDep = Annotated[Caller, Depends(current_caller)]


async def filing_caller(caller: CallerDep) -> Caller:
    """A caller allowed to file items (``complaint.file``), checked before the body is validated."""
    permit(caller.principal, "complaint.file")
    return caller


FilingCallerDep = Annotated[Caller, Depends(filing_caller)]


async def current_owner(
    request: Request,
    settings: Settings,
    adapters: Deps,
    _declared: Annotated[HTTPAuthorizationCredentials | None, Depends(OWNER_BEARER)] = None,
) -> OwnerPrincipal:
    token = bearer_token(request, "需要业主令牌（请先验证手机号或查询凭证）", "missing owner token")
    owner = verify_owner_token(adapters.policy.owner_secret, token, datetime.now(UTC).timestamp())
    await enforce_rate(
        adapters, f"owner:{owner.sub}", settings.owner_rate_limit_requests, settings.rate_limit_window_seconds
    )
    return owner


OwnerDep = Annotated[OwnerPrincipal, Depends(current_owner)]
