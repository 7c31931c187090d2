"""In-memory stand-ins for the repository ports, for unit tests of handlers (no engines)."""

from __future__ import annotations

from typing import Any

from pm_common.events import Envelope


class InMemoryStore:
    """The common shape of the ports: one document per natural key (``_id``) plus the events that
    the same write would have put in the outbox, in order."""

    def __init__(self) -> None:
        self.docs: dict[str, dict[str, Any]] = {}
        self.events: list[Envelope] = []

    async def add_once(self, document: dict[str, Any], event: Envelope | None = None) -> bool:
        if document["_id"] in self.docs:
            return False
        self.docs[document["_id"]] = document
        if event is not None:
            self.events.append(event)
        return True

    async def get(self, doc_id: str) -> dict[str, Any] | None:
        return dict(self.docs[doc_id]) if doc_id in self.docs else None

    async def update_unless(
        self, doc_id: str, statuses: tuple[str, ...], update: dict[str, Any], event: Envelope
    ) -> bool:
        """``$set`` on the document unless its status is one of ``statuses`` (a conditional update)."""
        if self.docs[doc_id].get("status") in statuses:
            return False
        self.docs[doc_id].update(update["$set"])
        self.events.append(event)
        return True
