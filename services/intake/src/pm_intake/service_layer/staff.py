"""Staff reads: the ledger (台账) search, one item, and the audited reveal of personal data."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

from pm_intake.domain import access, lifecycle
from pm_intake.domain.errors import NoIdentityStored, NotFound
from pm_intake.domain.ledger import LedgerQuery
from pm_intake.service_layer.ports import AuditLog, ComplaintRepository

Visible = Callable[[dict[str, Any]], bool]  # may the caller see this stored item (estate, 被投诉人)?


async def search(query: LedgerQuery, repo: ComplaintRepository) -> dict[str, Any]:
    access.check_ledger_window(query.page, query.page_size)
    found = await repo.search(query)
    return {
        "items": [lifecycle.ledger_row(d) for d in found.docs],
        "total": found.total,
        "total_exact": found.total_exact,
        "page": query.page,
        "page_size": query.page_size,
        "next_cursor": found.next_cursor,
    }


async def get_item(complaint_id: str, visible: Visible, repo: ComplaintRepository) -> dict[str, Any]:
    doc = await repo.get(complaint_id)
    if doc is None or not visible(doc):
        raise NotFound()
    return lifecycle.staff_view(doc)


async def reveal(
    complaint_id: str,
    reason: str,
    actor: str,
    role: str,
    visible: Visible,
    repo: ComplaintRepository,
    audit: AuditLog,
    now: datetime,
) -> dict[str, Any]:
    """Full name / phone / e-mail for a staff member who needs them; the audit entry is written first."""
    access.check_may_reveal(role)
    doc = await repo.get(complaint_id)
    if doc is None or not visible(doc):
        raise NotFound()
    pii = await repo.personal_data(complaint_id)
    if not pii:
        raise NoIdentityStored()
    audit_id = await audit.record(
        {
            "_id": uuid.uuid4().hex,
            "at": now,
            "actor": actor,
            "role": role,
            "action": "reveal_personal_data",
            "complaint_id": complaint_id,
            "reference_no": doc.get("reference_no"),
            "estate_id": doc["estate_id"],
            "fields": sorted(pii),
            "reason": reason,
        }
    )
    return {"complaint_id": complaint_id, **pii, "audit_id": audit_id}


async def audit_trail(
    complaint_id: str, visible: Visible, repo: ComplaintRepository, audit: AuditLog
) -> list[dict[str, Any]]:
    doc = await repo.get(complaint_id)
    if doc is None or not visible(doc):
        raise NotFound()
    return [
        {**{k: v for k, v in e.items() if k != "_id"}, "audit_id": e["_id"]} for e in await audit.entries(complaint_id)
    ]
