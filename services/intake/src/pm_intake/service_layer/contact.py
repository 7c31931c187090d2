"""The notifier's contact lookup: an owner's clear contact, only at delivery time, audited.

Only the notifier's service identity receives it; each lookup is written to the audit log (who,
when, which fields, for which delivery) before anything is returned. Anonymous items and items
without a phone or e-mail answer ``anonymous: true`` and no contact: the owner is reached only
through the tracking token's channel."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pm_common.auth import Principal
from pm_intake.domain.errors import NotFound
from pm_intake.service_layer.ports import AuditLog, ComplaintRepository

CONTACT_FIELDS = {"phone": "sms", "email": "email"}


async def contact_for_delivery(
    complaint_id: str, purpose: str, actor: str, repo: ComplaintRepository, audit: AuditLog, now: datetime
) -> dict[str, Any]:
    doc = await repo.get(complaint_id)
    if doc is None:
        raise NotFound()
    pii = await repo.personal_data(complaint_id) or {}
    contact = {channel: pii[field] for field, channel in CONTACT_FIELDS.items() if pii.get(field)}
    anonymous = doc.get("channel") == "anonymous" or not contact
    estate = await repo.estate(doc["estate_id"]) or {}
    await audit.record(
        {
            "_id": uuid.uuid4().hex,
            "at": now,
            "actor": actor,
            "role": "integration",
            "action": "contact_lookup",
            "complaint_id": complaint_id,
            "reference_no": doc.get("reference_no"),
            "estate_id": doc["estate_id"],
            "fields": [] if anonymous else sorted(f for f in CONTACT_FIELDS if pii.get(f)),
            "reason": purpose,
        }
    )
    answer: dict[str, Any] = {
        "complaint_id": complaint_id,
        "estate_id": doc["estate_id"],
        "estate_name": estate.get("name"),
        "reference_no": doc.get("reference_no"),
        "next_contact_by": doc.get("next_contact_by"),
        "anonymous": anonymous,
        "owner_ref": None if anonymous else doc.get("owner_key"),
        "contact": {} if anonymous else contact,
    }
    return answer


def is_task_of(task_id: str, complaint_id: str) -> bool:
    """Dispatch's task ids derive from the complaint: ``T-<complaint>`` or ``T-<complaint>-<n>``."""
    return task_id == f"T-{complaint_id}" or task_id.startswith(f"T-{complaint_id}-")


async def contact_for_task(
    complaint_id: str,
    purpose: str,
    task_id: str,
    on_behalf_of: str,
    caller: Principal,
    repo: ComplaintRepository,
    audit: AuditLog,
    now: datetime,
) -> dict[str, Any]:
    """The phone of the owner for the assignee of one of its tasks (dispatch checked the assignment
    and the need): least privilege — the phone only, within the token's estates, audited with the
    acting person and the task before anything is returned."""
    doc = await repo.get(complaint_id)
    if doc is None or not caller.can_see(doc["estate_id"]):
        raise NotFound()
    pii = await repo.personal_data(complaint_id) or {}
    phone = pii.get("phone")
    anonymous = doc.get("channel") == "anonymous" or not phone
    await audit.record(
        {
            "_id": uuid.uuid4().hex,
            "at": now,
            "actor": caller.sub,
            "role": caller.role,
            "action": "contact_lookup_for_task",
            "complaint_id": complaint_id,
            "reference_no": doc.get("reference_no"),
            "estate_id": doc["estate_id"],
            "fields": [] if anonymous else ["phone"],
            "reason": purpose,
            "task_id": task_id,
            "on_behalf_of": on_behalf_of,
        }
    )
    return {
        "complaint_id": complaint_id,
        "estate_id": doc["estate_id"],
        "anonymous": anonymous,
        "contact": {} if anonymous else {"sms": phone},
    }
