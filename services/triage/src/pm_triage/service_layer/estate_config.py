"""Estate configuration use cases: the lexicon overlay and the SLA policy (per estate and category)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Protocol

from pm_triage.domain.overlay import validate_overlay
from pm_triage.domain.sla import SlaPolicy


class EstateConfigRepository(Protocol):
    async def lexicon(self, estate_id: str) -> dict[str, Any] | None: ...
    async def save_lexicon(self, document: dict[str, Any]) -> None: ...
    async def policy(self, estate_id: str) -> SlaPolicy: ...
    async def save_policy(self, estate_id: str, policy: SlaPolicy, staff: str, now: datetime) -> None: ...


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


async def set_policy(
    estate_id: str, policy: SlaPolicy, staff: str, repo: EstateConfigRepository, now: datetime
) -> SlaPolicy:
    await repo.save_policy(estate_id, policy, staff, now)
    return policy
