"""Naming the staff a complaint is about (被投诉人) after registration: a supervisor's audited change.

A registered item's change goes to every service as ``complaint.subjects_changed`` with the item's
next ``subjects_revision`` (``complaint.received`` carried revision 0), in the same single-document
write (outbox). A draft has told nobody yet: its ``complaint.received`` will carry the list."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pm_common import topics
from pm_common.events import new_event
from pm_common.events.subjects import ComplaintSubjectsChanged
from pm_intake.domain import lifecycle
from pm_intake.domain.errors import NotFound
from pm_intake.service_layer.finalize import SOURCE
from pm_intake.service_layer.ports import AuditLog, ComplaintRepository, Event
from pm_intake.service_layer.staff import Visible


async def set_subjects(
    complaint_id: str,
    subject_staff_ids: list[str],
    reason: str,
    actor: str,
    role: str,
    visible: Visible,
    repo: ComplaintRepository,
    audit: AuditLog,
    now: datetime,
) -> dict[str, Any]:
    """Replace the item's subjects. The audit entry is written before the change; the change is one
    guarded write with an internal timeline entry (the owner never sees who was named)."""
    wanted = list(dict.fromkeys(subject_staff_ids))
    for _ in range(5):  # a concurrent status change makes the guarded update miss: read again
        doc = await repo.get(complaint_id)
        if doc is None or not visible(doc):
            raise NotFound()
        before = list(doc.get("subject_staff_ids") or [])
        audit_id = await audit.record(
            {
                "_id": uuid.uuid4().hex,
                "at": now,
                "actor": actor,
                "role": role,
                "action": "set_subjects",
                "complaint_id": complaint_id,
                "reference_no": doc.get("reference_no"),
                "estate_id": doc["estate_id"],
                "before": before,
                "after": wanted,
                "reason": reason,
            }
        )
        note = f"被投诉人已更新（{len(wanted)} 人）/ subjects updated: {reason}"
        entry = lifecycle.entry(now, "subjects", note, "internal", actor)
        sets: dict[str, Any] = {"subject_staff_ids": wanted}
        events: list[Event] = []
        revision = doc.get("subjects_revision")
        if doc["status"] != "draft":  # registered: every service hears of it, in this same write
            sets["subjects_revision"] = (revision or 0) + 1
            changed = ComplaintSubjectsChanged(
                complaint_id=complaint_id,
                estate_id=doc["estate_id"],
                subject_staff_ids=tuple(wanted),
                revision=sets["subjects_revision"],
                changed_at=now,
            )
            events.append(
                (
                    topics.COMPLAINT_SUBJECTS_CHANGED,
                    new_event(changed, source=SOURCE, estate_id=doc["estate_id"], now=now),
                )
            )
        update = {"$set": sets, "$push": {"timeline": entry}}
        # guarded by the revision read: two concurrent changes never both write revision n + 1
        if await repo.update(complaint_id, doc["status"], update, events, guard={"subjects_revision": revision}):
            return {"complaint_id": complaint_id, "subject_staff_ids": wanted, "audit_id": audit_id}
    raise RuntimeError(f"could not update the subjects of {complaint_id} after retries")
