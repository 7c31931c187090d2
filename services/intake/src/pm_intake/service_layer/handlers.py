"""Intake use cases. Handlers take their ports as arguments (wired in bootstrap.py)."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from pm_common.events import ComplaintReceived, Envelope, new_event
from pm_common.events.payloads import ComplaintTriaged, FeedbackSent, TaskAssigned, TaskCompleted

from pm_intake.domain.model import (
    Acknowledgement,
    Registration,
    UnknownEstate,
    mask_name,
    mask_phone,
    reference_number,
)

SOURCE = "pm/intake"


class ComplaintRepository(Protocol):
    async def estate(self, estate_id: str) -> dict[str, Any] | None: ...
    async def next_sequence(self, estate_id: str, day: str) -> int: ...
    async def add(self, document: dict[str, Any], event: Envelope) -> None: ...
    async def apply_downstream(self, complaint_id: str, event_id: str, update: dict[str, Any]) -> bool: ...


async def register(reg: Registration, recorder_id: str, repo: ComplaintRepository, now: datetime) -> Acknowledgement:
    estate = await repo.estate(reg.estate_id)
    if estate is None:
        raise UnknownEstate(reg.estate_id)
    local_day = now.astimezone(ZoneInfo(estate.get("timezone", "Asia/Shanghai"))).strftime("%Y%m%d")
    ref = reference_number(reg.estate_id, local_day, await repo.next_sequence(reg.estate_id, local_day))
    complaint_id = uuid.uuid4().hex
    owner = reg.owner
    anonymous = reg.channel == "anonymous"
    payload = ComplaintReceived(
        complaint_id=complaint_id,
        reference_no=ref,
        estate_id=reg.estate_id,
        channel=reg.channel,
        content=reg.content,
        matter=reg.matter,
        location=reg.location,
        urgency_reported=reg.urgency_reported,
        anonymous=anonymous,
        owner_name_masked=None if anonymous or owner is None else mask_name(owner.name),
        owner_phone_masked=None if anonymous or owner is None else mask_phone(owner.phone),
        recorder_id=recorder_id,
        raised_at=reg.raised_at or now,
        received_at=now,
    )
    event = new_event(payload, source=SOURCE, subject=complaint_id, estate_id=reg.estate_id, now=now)
    next_contact = now + timedelta(hours=2 if reg.urgency_reported == "urgent" else 24)
    document = {
        "_id": complaint_id,
        "reference_no": ref,
        "estate_id": reg.estate_id,
        "status": "received",
        "registration": reg.model_dump(mode="json", exclude={"owner"} if anonymous else set()),
        "recorder_id": recorder_id,
        "received_at": now,
        "timeline": [{"at": now, "kind": "received", "note": "已登记 / registered"}],
        "processed_events": [],
    }
    await repo.add(document, event)
    return Acknowledgement(
        complaint_id=complaint_id,
        reference_no=ref,
        status="received",
        message=f"感谢您的反馈，已登记，编号 {ref}。我们将在 {_fmt(next_contact, estate)} 前与您联系。",
        message_en=f"Thank you, your item is recorded as {ref}. We will contact you by {next_contact.isoformat()}.",
        next_contact_by=next_contact,
    )


def _fmt(moment: datetime, estate: dict[str, Any]) -> str:
    return moment.astimezone(ZoneInfo(estate.get("timezone", "Asia/Shanghai"))).strftime("%m月%d日 %H:%M")


async def on_downstream_event(envelope: Envelope, payload: Any, repo: ComplaintRepository) -> None:
    """Keep the register's live status and owner timeline in step with the workflow."""
    at = envelope.time
    if isinstance(payload, ComplaintTriaged):
        status = "rejected" if payload.decision == "rejected" else "triaged"
        entry = {"at": at, "kind": "triaged", "note": f"已分类：{payload.category} / {payload.urgency}"}
        update = {"$set": {"status": status, "triage": payload.model_dump(mode="json")}, "$push": {"timeline": entry}}
    elif isinstance(payload, TaskAssigned):
        entry = {"at": at, "kind": "assigned", "note": f"已派单至 {payload.department}"}
        update = {"$set": {"status": "in_progress", "task_id": payload.task_id}, "$push": {"timeline": entry}}
    elif isinstance(payload, TaskCompleted):
        entry = {"at": at, "kind": "result", "note": payload.result_summary}
        update = {"$set": {"status": "done"}, "$push": {"timeline": entry}}
    elif isinstance(payload, FeedbackSent):
        if payload.recipient_role != "owner":
            return
        entry = {"at": at, "kind": "feedback", "note": payload.message_zh}
        update = {"$push": {"timeline": entry}}
    else:
        return
    await repo.apply_downstream(envelope.subject, envelope.id, update)
