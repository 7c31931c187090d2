"""The ports the use cases take: they speak the domain (``Task``), not Mongo update documents."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from pm_common.events import Envelope
from pm_dispatch.domain.ledger import Row
from pm_dispatch.domain.task import Task


class TaskRepository(Protocol):
    async def get(self, task_id: str) -> Task | None: ...

    async def add(self, task: Task, cause: Envelope | None = None) -> bool:
        """Insert a new task with its pending events; ``False`` if the id exists (redelivery, race)."""
        ...

    async def save(self, task: Task, cause: Envelope | None = None) -> bool:
        """Save at ``task.version`` with its pending events in the same write; ``False`` when the
        stored task moved on meanwhile (reload and decide again)."""
        ...


@dataclass(frozen=True, slots=True)
class OwnerContact:
    """What intake answers dispatch for one task: the phone only (``None`` when anonymous / none)."""

    anonymous: bool
    phone: str | None


class OwnerContacts(Protocol):
    async def for_task(
        self, complaint_id: str, estate_id: str, task_id: str, on_behalf_of: str, purpose: str
    ) -> OwnerContact | None:
        """Ask intake (service identity ``service:dispatch``) for the owner's phone on behalf of the
        task's assignee; intake audits it. ``None``: no such complaint. Raises ``ContactUnavailable``."""
        ...


class LedgerRows(Protocol):
    """The query side of the ledger: one row per task, per estate (see ``adapters/ledger_index``)."""

    async def rows(self, estates: tuple[str, ...]) -> list[Row]: ...

    async def estates(self) -> list[str]: ...
