"""Ports of the notifier's handlers; adapters implement them (Mongo, HTTP, SMTP), tests use fakes."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from pm_common.events import Envelope
from pm_common.org import OrgSnapshot
from pm_notifier.domain.delivery import Attempt
from pm_notifier.domain.model import Contact, Recipient


@dataclass(frozen=True)
class Outbound:
    """What an adapter sends: the address is in memory only for the duration of the call."""

    delivery_id: str
    channel: str
    address: str
    template: str
    zh: str
    en: str
    idempotency_key: str
    urgent: bool = False
    link: str | None = None
    params: dict[str, str] = field(default_factory=dict)


class Channel(Protocol):
    kind: str

    async def send(self, message: Outbound) -> list[Attempt]:
        """Every attempt made (timeouts, bounded retries with backoff, rate limit inside)."""
        ...


class ContactUnavailable(Exception):
    """The contact directory could not be asked (network, 5xx): the delivery stays queued, retried later."""


class ContactDirectory(Protocol):
    async def lookup(self, recipient: Recipient, purpose: str) -> Contact | None: ...


class DeliveryStore(Protocol):
    async def create(self, document: dict[str, Any]) -> dict[str, Any]:
        """Insert unless a delivery with this id exists; return the stored one."""
        ...

    async def get(self, delivery_id: str) -> dict[str, Any] | None: ...

    async def add_attempts(self, delivery_id: str, attempts: list[dict[str, Any]]) -> None: ...

    async def defer(self, delivery_id: str, until: datetime) -> None: ...

    async def transition(
        self, delivery_id: str, expected: str, status: str, fields: dict[str, Any], event: Envelope | None
    ) -> bool:
        """Set ``status`` (and fields, and the outbox event in the same write) if it is ``expected``."""
        ...

    async def for_complaint(self, complaint_id: str) -> list[dict[str, Any]]: ...

    async def remember_provider_id(self, provider_id: str, delivery_id: str) -> None: ...

    async def by_provider_id(self, provider_id: str) -> dict[str, Any] | None: ...


class Timers(Protocol):
    async def set(self, kind: str, ref: str, due_at: datetime, data: dict[str, Any] | None = None) -> None: ...

    async def clear(self, kind: str, ref: str) -> None: ...

    async def due(self, now: datetime) -> list[dict[str, Any]]: ...

    async def pending(self, kind: str) -> list[dict[str, Any]]: ...


class Documents(Protocol):
    """A keyed document collection (pages, follow-ups, estate settings, preferences, tasks)."""

    async def get(self, key: str) -> dict[str, Any] | None: ...

    async def insert(self, document: dict[str, Any], *events: Envelope) -> bool: ...

    async def put(self, key: str, fields: dict[str, Any], *events: Envelope) -> None: ...


class Rosters(Protocol):
    async def get(self, estate_id: str) -> OrgSnapshot | None: ...

    async def keep_latest(self, snapshot: OrgSnapshot) -> bool: ...
