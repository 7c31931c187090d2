"""Delivery state machine: queued → sent → delivered, or → failed; one log entry per attempt.

``sent`` means the provider accepted the message (the only moment ``feedback.sent`` is announced);
``delivered`` is the provider's receipt (synchronous for SMTP and the local sink, a callback for
real SMS gateways). Pure functions over the stored document's fields.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

Status = Literal["queued", "sent", "delivered", "failed"]
TERMINAL: frozenset[str] = frozenset({"delivered", "failed"})
_ALLOWED: dict[str, frozenset[str]] = {
    "queued": frozenset({"sent", "delivered", "failed"}),
    "sent": frozenset({"delivered", "failed"}),
    "delivered": frozenset(),
    "failed": frozenset(),
}


class InvalidTransition(Exception):
    def __init__(self, current: str, target: str) -> None:
        super().__init__(f"delivery cannot go from {current} to {target}")
        self.current, self.target = current, target


def check_transition(current: str, target: str) -> None:
    if target not in _ALLOWED.get(current, frozenset()):
        raise InvalidTransition(current, target)


def is_open(status: str) -> bool:
    """Still to be attempted (after a crash mid-send the record is still ``queued``)."""
    return status == "queued"


@dataclass(frozen=True)
class Attempt:
    """What one call to one provider gave."""

    channel: str
    at: datetime
    outcome: Literal["accepted", "delivered", "rejected", "error", "timeout"]
    detail: str = ""
    provider_message_id: str | None = None
    recipient_masked: str = ""
    idempotency_key: str = ""

    @property
    def accepted(self) -> bool:
        return self.outcome in ("accepted", "delivered")

    @property
    def retryable(self) -> bool:
        """Timeouts and provider errors (5xx, connection) are retried; a rejection (4xx) is not."""
        return self.outcome in ("error", "timeout")

    def as_doc(self) -> dict[str, object]:
        return {
            "channel": self.channel,
            "at": self.at,
            "outcome": self.outcome,
            "detail": self.detail[:300],
            "provider_message_id": self.provider_message_id,
            "recipient": self.recipient_masked,
            "idempotency_key": self.idempotency_key,
        }


def status_after(attempt: Attempt) -> Status:
    return "delivered" if attempt.outcome == "delivered" else "sent"


def idempotency_key(delivery_id: str, channel: str) -> str:
    return f"{delivery_id}.{channel}"
