"""What every channel adapter shares: a timeout per call, bounded retries with exponential backoff
(only for timeouts and provider errors, never for a rejection), and a per-channel rate limit."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx
from aiolimiter import AsyncLimiter

from pm_notifier.domain.delivery import Attempt
from pm_notifier.domain.model import mask
from pm_notifier.service_layer.ports import Outbound

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Result:
    """What one provider call said."""

    outcome: str  # accepted | delivered | rejected | error
    detail: str = ""
    provider_message_id: str | None = None


@dataclass(frozen=True)
class Resilience:
    timeout_seconds: float = 5.0
    attempts: int = 3
    backoff_seconds: float = 0.2
    rate_per_second: float = 20.0


Call = Callable[[Outbound], Awaitable[Result]]


class ResilientChannel:
    def __init__(
        self,
        kind: str,
        call: Call,
        resilience: Resilience,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.kind = kind
        self._call = call
        self._r = resilience
        self._limiter = AsyncLimiter(max(resilience.rate_per_second, 0.01), 1)
        self._sleep = sleep

    async def send(self, message: Outbound) -> list[Attempt]:
        attempts: list[Attempt] = []
        for n in range(max(self._r.attempts, 1)):
            async with self._limiter:
                attempt = await self._one(message)
            attempts.append(attempt)
            if attempt.accepted or not attempt.retryable:
                break
            if n + 1 < self._r.attempts:
                await self._sleep(self._r.backoff_seconds * 2**n)
        return attempts

    async def _one(self, message: Outbound) -> Attempt:
        def made(outcome: str, detail: str = "", provider_id: str | None = None) -> Attempt:
            return Attempt(
                channel=self.kind,
                at=datetime.now(UTC),
                outcome=outcome,  # type: ignore[arg-type]
                detail=detail,
                provider_message_id=provider_id,
                recipient_masked=mask(self.kind, message.address),
                idempotency_key=message.idempotency_key,
            )

        try:
            result = await asyncio.wait_for(self._call(message), self._r.timeout_seconds)
        except TimeoutError:
            return made("timeout", f"no answer within {self._r.timeout_seconds}s")
        except (httpx.HTTPError, OSError) as exc:
            return made("error", f"{type(exc).__name__}: {exc}")
        return made(result.outcome, result.detail, result.provider_message_id)


def http_result(response: httpx.Response, accepted: bool, provider_id: str | None, detail: str = "") -> Result:
    """4xx is a rejection (not retried, next channel), 5xx a provider error (retried)."""
    if response.status_code >= 500:
        return Result("error", f"HTTP {response.status_code}")
    if response.status_code >= 400 or not accepted:
        return Result("rejected", detail or f"HTTP {response.status_code}")
    return Result("accepted", detail, provider_id)
