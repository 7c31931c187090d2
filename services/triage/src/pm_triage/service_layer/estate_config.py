"""Estate configuration use cases: the lexicon overlay (the SLA policy is the SLA monitor's)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Protocol

from pm_triage.domain.overlay import validate_overlay


class EstateConfigRepository(Protocol):
    async def lexicon(self, estate_id: str) -> dict[str, Any] | None: ...
    async def save_lexicon(self, document: dict[str, Any]) -> None: ...


async def set_lexicon(
    estate_id: str,
    overlay: dict[str, Any],
    note: str | None,
    staff: str,
    repo: EstateConfigRepository,
    base: dict[str, Any],
    now: datetime,
) -> dict[str, Any]:
    """Replace the estate's overlay (validated by compiling it); a new revision applies at once."""
    validate_overlay(overlay, base)
    document = {
        "_id": estate_id,
        "overlay": overlay,
        "revision": uuid.uuid4().hex,
        "note": note,
        "updated_by": staff,
        "updated_at": now,
    }
    await repo.save_lexicon(document)
    return document
