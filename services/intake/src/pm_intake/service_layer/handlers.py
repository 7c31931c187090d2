"""Intake use cases of staff and integrations: register (any channel), batch, read-back, notes,
and keeping the register in step with downstream events. Handlers take their ports as arguments."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from pm_common.events import Envelope
from pm_common.events.payloads import ComplaintTriaged, FeedbackSent, TaskAssigned, TaskCompleted
from pm_intake.domain import lifecycle
from pm_intake.domain.channels import Submitter, check_attachments, check_registration
from pm_intake.domain.errors import IdempotencyConflict, NotFound, UnknownEstate
from pm_intake.domain.identity import owner_key, token_hash, tracking_token
from pm_intake.domain.model import Acknowledgement, Registration, mask_email, mask_name, mask_phone
from pm_intake.service_layer.finalize import acknowledgement, finalize
from pm_intake.service_layer.policy import IntakePolicy
from pm_intake.service_layer.ports import AlreadyExists, ComplaintRepository, Event


@dataclass(frozen=True)
class Filer:
    """Who files: ``source`` scopes idempotency keys and rate limits; ``recorder_id`` goes in the register."""

    recorder_id: str
    source: str
    submitter: Submitter


async def register(
    reg: Registration,
    filer: Filer,
    repo: ComplaintRepository,
    policy: IntakePolicy,
    now: datetime,
    idempotency_key: str | None = None,
) -> Acknowledgement:
    estate = await repo.estate(reg.estate_id)
    if estate is None:
        raise UnknownEstate(reg.estate_id)
    check_registration(reg, filer.submitter, staff_phone_needs_call_id=policy.staff_phone_needs_call_id)
    check_attachments(reg.evidence, policy.attachments)
    fingerprint = hashlib.sha256(reg.model_dump_json().encode()).hexdigest()
    if idempotency_key:
        complaint_id = hashlib.sha256(f"{filer.source}|{idempotency_key}".encode()).hexdigest()[:32]
        existing = await repo.get(complaint_id)
        if existing is not None:
            await repo.ensure_indexed(complaint_id)  # a retry also repairs an index entry lost to a crash
            return _replay(existing, fingerprint, estate, policy)
    else:
        complaint_id = uuid.uuid4().hex
    seq = None if reg.hold_for_readback else await repo.next_sequence(reg.estate_id, _local_day(now, estate))
    document, events = build_item(reg, complaint_id, filer.recorder_id, fingerprint, estate, seq, policy, now)
    try:
        await repo.insert(document, events)
    except AlreadyExists:
        existing = await repo.get(complaint_id)
        assert existing is not None
        return _replay(existing, fingerprint, estate, policy)
    token = tracking_token(policy.owner_secret, complaint_id) if "tracking_hash" in document else None
    return acknowledgement(document, estate, token)


def build_item(
    reg: Registration,
    complaint_id: str,
    recorder_id: str,
    fingerprint: str,
    estate: dict[str, Any],
    sequence: int | None,
    policy: IntakePolicy,
    now: datetime,
) -> tuple[dict[str, Any], list[Event]]:
    """The stored document of a new item and the events of the same write: a draft without a
    sequence number, a registered item (reference, acknowledgement promise, ``complaint.received``) with one."""
    document = _new_document(reg, complaint_id, recorder_id, fingerprint, policy, now)
    if sequence is None:
        return document, []
    confirmed_by = recorder_id if reg.readback_confirmed else None
    update, event = finalize(document, reg, estate, sequence, now, policy, confirmed_by=confirmed_by)
    document.update(update["$set"])
    document["timeline"] = update["$push"]["timeline"]["$each"]
    return document, [event]


def _new_document(
    reg: Registration, complaint_id: str, recorder_id: str, fingerprint: str, policy: IntakePolicy, now: datetime
) -> dict[str, Any]:
    stored = reg.model_dump(mode="json", exclude={"owner"})
    document: dict[str, Any] = {
        "_id": complaint_id,
        "estate_id": reg.estate_id,
        "channel": reg.channel,
        "status": "draft",
        "registration": stored,
        "recorder_id": recorder_id,
        "received_at": now,
        "raised_at": reg.raised_at or now,
        "readback": {"required": reg.channel in ("front_desk", "phone", "visit"), "confirmed": False},
        "idempotency": {"fingerprint": fingerprint},
        "timeline": [],
        "processed_events": [],
    }
    owner = reg.owner if reg.channel != "anonymous" else None
    if owner is not None and owner.has_identity():
        stored["owner"] = {
            "name": mask_name(owner.name),
            "phone": mask_phone(owner.phone),
            "email": mask_email(owner.email),
            "building": owner.building,
            "unit": owner.unit,
            "room": owner.room,
        }
        pii = {k: v for k, v in (("name", owner.name), ("phone", owner.phone), ("email", owner.email)) if v}
        if pii:
            document["pii"] = pii
        if owner.phone:
            document["owner_key"] = owner_key(policy.owner_secret, owner.phone)
    if "owner_key" not in document:  # anonymous or no phone: the owner follows the item with a token
        document["tracking_hash"] = token_hash(tracking_token(policy.owner_secret, complaint_id))
    return document


def _replay(
    existing: dict[str, Any], fingerprint: str, estate: dict[str, Any], policy: IntakePolicy
) -> Acknowledgement:
    if existing.get("idempotency", {}).get("fingerprint") != fingerprint:
        raise IdempotencyConflict()
    token = tracking_token(policy.owner_secret, existing["_id"]) if existing.get("tracking_hash") else None
    return acknowledgement(existing, estate, token)


def _local_day(now: datetime, estate: dict[str, Any]) -> str:
    return now.astimezone(ZoneInfo(estate.get("timezone", "Asia/Shanghai"))).strftime("%Y%m%d")


async def register_batch(
    regs: list[Registration],
    filer: Filer,
    repo: ComplaintRepository,
    policy: IntakePolicy,
    now: datetime,
    idempotency_key: str | None = None,
) -> list[Acknowledgement]:
    """Many slips / answers at once (意见箱、恳谈会、问卷). Every item is checked before any is stored."""
    for reg in regs:
        if await repo.estate(reg.estate_id) is None:
            raise UnknownEstate(reg.estate_id)
        check_registration(reg, filer.submitter, staff_phone_needs_call_id=policy.staff_phone_needs_call_id)
        check_attachments(reg.evidence, policy.attachments)
    return [
        await register(reg, filer, repo, policy, now, f"{idempotency_key}#{i}" if idempotency_key else None)
        for i, reg in enumerate(regs)
    ]


async def confirm_readback(
    complaint_id: str,
    staff_id: str,
    visible: Any,
    repo: ComplaintRepository,
    policy: IntakePolicy,
    now: datetime,
    corrected_content: str | None = None,
) -> Acknowledgement:
    """The owner agreed to the read-back: the draft becomes a registered item (reference, event)."""
    doc = await repo.get(complaint_id)
    if doc is None or not visible(doc["estate_id"]):
        raise NotFound()
    lifecycle.ensure_draft(doc["status"])
    estate = await repo.estate(doc["estate_id"]) or {"_id": doc["estate_id"]}
    stored = dict(doc["registration"])
    if corrected_content:
        stored["content"] = corrected_content
    reg = Registration.model_validate({**stored, "owner": None, "hold_for_readback": False})
    seq = await repo.next_sequence(doc["estate_id"], _local_day(now, estate))
    update, event = finalize(doc, reg, estate, seq, now, policy, confirmed_by=staff_id)
    if corrected_content:
        update["$set"]["registration.content"] = corrected_content
    if not await repo.update(complaint_id, "draft", update, [event]):
        raise NotFound()  # confirmed concurrently by someone else: the draft is gone
    final = await repo.get(complaint_id)
    assert final is not None
    token = tracking_token(policy.owner_secret, complaint_id) if final.get("tracking_hash") else None
    return acknowledgement(final, estate, token)


async def add_note(
    complaint_id: str,
    text: str,
    visibility: lifecycle.Visibility,
    staff_id: str,
    visible: Any,
    repo: ComplaintRepository,
    now: datetime,
) -> None:
    """A progress note for the owner, or an internal note the owner never sees."""
    doc = await repo.get(complaint_id)
    if doc is None or not visible(doc["estate_id"]):
        raise NotFound()
    entry = lifecycle.entry(now, "note", text, visibility, by=staff_id)
    if not await repo.update(complaint_id, doc["status"], {"$push": {"timeline": entry}}, []):
        raise NotFound()


async def on_downstream_event(envelope: Envelope, payload: Any, repo: ComplaintRepository) -> None:
    """Keep the register's live status and owner timeline in step with the workflow (idempotent)."""
    at = envelope.time
    if isinstance(payload, ComplaintTriaged):
        proposed = "rejected" if payload.decision == "rejected" else "triaged"
        note = f"已分类：{payload.category} / {payload.urgency}"
        if payload.decision == "rejected" and payload.rejection_reason:
            note = f"不予受理：{payload.rejection_reason}"
        extra = {"triage": payload.model_dump(mode="json"), "category": payload.category}
        entry = lifecycle.entry(at, "triaged", note)
    elif isinstance(payload, TaskAssigned):
        proposed = "in_progress"
        extra = {
            "task_id": payload.task_id,
            "category": payload.category,
            "department": payload.department,
            "handler_id": payload.handler_id,
        }
        entry = lifecycle.entry(at, "assigned", f"已派单至 {payload.department}")
    elif isinstance(payload, TaskCompleted):
        proposed, extra = "done", {}
        entry = lifecycle.entry(at, "result", payload.result_summary)
    elif isinstance(payload, FeedbackSent) and payload.recipient_role == "owner":
        proposed, extra = "", {}
        entry = lifecycle.entry(at, "feedback", payload.message_zh)
    else:
        return
    complaint_id = payload.complaint_id  # not the subject: that is the task's or notification's id
    for _ in range(5):  # a concurrent status change (e.g. a withdrawal) makes the guarded update miss: re-read
        doc = await repo.get(complaint_id)
        if doc is None:
            return
        if envelope.id in doc.get("processed_events", []):  # a redelivery: the state is there, its index too
            await repo.ensure_indexed(complaint_id)
            return
        current = doc["status"]
        step_proposed, step_extra, step_entry = proposed, extra, entry
        if isinstance(payload, ComplaintTriaged) and _superseded(doc, payload):
            # a later decision (a supervisor's review) overtook this one: keep the later one
            step_proposed, step_extra = "", {}
            step_entry = {**entry, "note": entry["note"] + "（已被后续决定取代）", "visibility": "internal"}
        status = lifecycle.status_after(current, step_proposed) if step_proposed else current
        if current in lifecycle.TERMINAL_STATUSES:  # late work on a withdrawn / closed item: staff-only trace
            step_entry = {**step_entry, "visibility": "internal"}
        update = {"$set": {"status": status, **step_extra}, "$push": {"timeline": step_entry}}
        if await repo.apply_downstream(complaint_id, envelope.id, current, update):
            return
    raise RuntimeError(f"could not apply {envelope.type} to {complaint_id} after retries")


def _superseded(doc: dict[str, Any], triaged: ComplaintTriaged) -> bool:
    """Whether the register already holds a triage decision at least as recent as this one."""
    stored = doc.get("triage") or {}
    return bool(stored) and int(stored.get("revision", 1)) >= triaged.revision
