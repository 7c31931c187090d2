"""Intake use cases of staff and integrations: register (any channel), batch, read-back, notes,
and keeping the register in step with downstream events. Handlers take their ports as arguments."""

from __future__ import annotations

import asyncio
import hashlib
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from pm_common.events import Envelope
from pm_common.events.payloads import ComplaintTriaged
from pm_intake.domain import lifecycle
from pm_intake.domain.channels import Submitter, check_attachments, check_registration
from pm_intake.domain.errors import IdempotencyConflict, NotFound, UnknownEstate
from pm_intake.domain.identity import owner_key, token_hash, tracking_token
from pm_intake.domain.model import Acknowledgement, Registration, mask_email, mask_name, mask_phone
from pm_intake.service_layer import trail
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
    admit: Callable[[], Awaitable[None]] | None = None,
) -> Acknowledgement:
    """Register one item in two serial database round trips (besides the estate, cached): first, side
    by side, the caller's admission (``admit``: the rate limit), the look-up of an earlier submission
    with the same idempotency key, the reference-number claim and the outbox pointer; then the item's
    insert (with its ``complaint.received`` in the same single-document write) and its index entries.
    A number claimed for a request that is refused or turns out to be a retry goes back to the
    repository (``release_sequence``) and the pointer is abandoned."""
    estate = await repo.estate(reg.estate_id)
    if estate is None:
        raise UnknownEstate(reg.estate_id)
    check_registration(reg, filer.submitter, staff_phone_needs_call_id=policy.staff_phone_needs_call_id)
    check_attachments(reg.evidence, policy.attachments)
    fingerprint = hashlib.sha256(reg.model_dump_json().encode()).hexdigest()
    if idempotency_key:
        complaint_id = hashlib.sha256(f"{filer.source}|{idempotency_key}".encode()).hexdigest()[:32]
    else:
        complaint_id = uuid.uuid4().hex
    day, draft = _local_day(now, estate), reg.hold_for_readback
    event_ids = [] if draft else [uuid.uuid4().hex]  # the event's id is known before its number
    admitted, existing, seq, pointer = await asyncio.gather(
        admit() if admit else _nothing(),
        repo.get(complaint_id) if idempotency_key else _nothing(),
        _nothing() if draft else repo.next_sequence(reg.estate_id, day),
        repo.announce(complaint_id, event_ids) if event_ids else _nothing(),
        return_exceptions=True,
    )
    failed = next((r for r in (admitted, existing, seq, pointer) if isinstance(r, BaseException)), None)
    if failed is not None or existing is not None:
        if isinstance(seq, int):
            repo.release_sequence(reg.estate_id, day, seq)
        if isinstance(pointer, str):
            await repo.abandon(pointer)
        if failed is not None:
            raise failed
        await repo.ensure_indexed(complaint_id)  # a retry also repairs an index entry lost to a crash
        return _replay(existing, fingerprint, estate, policy)  # type: ignore[arg-type]
    number = seq if isinstance(seq, int) else None
    document, events = build_item(reg, complaint_id, filer.recorder_id, fingerprint, estate, number, policy, now)
    events = [(topic, event.model_copy(update={"id": i})) for (topic, event), i in zip(events, event_ids, strict=True)]
    try:
        await repo.insert(document, events, pointer if isinstance(pointer, str) else None)
    except AlreadyExists:
        if number is not None:
            repo.release_sequence(reg.estate_id, day, number)
        existing = await repo.get(complaint_id)
        assert existing is not None
        return _replay(existing, fingerprint, estate, policy)
    token = tracking_token(policy.owner_secret, complaint_id) if "tracking_hash" in document else None
    return acknowledgement(document, estate, token)


async def _nothing() -> None:
    return None


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
    known = (document.get("pii") or {}).values()
    update, event = finalize(document, reg, estate, sequence, now, policy, confirmed_by=confirmed_by, known=known)
    document.update(update["$set"])
    document["timeline"] = update["$push"]["timeline"]["$each"]
    return document, [event]


def _new_document(
    reg: Registration, complaint_id: str, recorder_id: str, fingerprint: str, policy: IntakePolicy, now: datetime
) -> dict[str, Any]:
    stored = reg.model_dump(mode="json", exclude={"owner", "subject_staff_ids"})
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
    if reg.subject_staff_ids:
        document["subject_staff_ids"] = list(dict.fromkeys(reg.subject_staff_ids))
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
    if doc is None or not visible(doc):
        raise NotFound()
    lifecycle.ensure_draft(doc["status"])
    estate = await repo.estate(doc["estate_id"]) or {"_id": doc["estate_id"]}
    stored = dict(doc["registration"])
    if corrected_content:
        stored["content"] = corrected_content
    reg = Registration.model_validate({**stored, "owner": None, "hold_for_readback": False})
    seq = await repo.next_sequence(doc["estate_id"], _local_day(now, estate))
    known = (await repo.personal_data(complaint_id) or {}).values()
    update, event = finalize(doc, reg, estate, seq, now, policy, confirmed_by=staff_id, known=known)
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
    if doc is None or not visible(doc):
        raise NotFound()
    entry = lifecycle.entry(now, "note", text, visibility, by=staff_id)
    if not await repo.update(complaint_id, doc["status"], {"$push": {"timeline": entry}}, []):
        raise NotFound()


async def on_downstream_event(envelope: Envelope, payload: Any, repo: ComplaintRepository) -> None:
    """Keep the register's live status, owner timeline and owner inbox in step with the workflow
    (idempotent: each event applies once, in the same guarded write that records its id)."""
    step = trail.step_for(payload, envelope.time)
    if step is None:
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
        step_proposed, step_extra, step_entry = step.proposed, step.extra, step.entry
        if isinstance(payload, ComplaintTriaged) and trail.superseded(doc, payload):
            # a later decision (a supervisor's review) overtook this one: keep the later one
            step_proposed, step_extra = "", {}
            step_entry = {**step.entry, "note": step.entry["note"] + "（已被后续决定取代）", "visibility": "internal"}
        status = lifecycle.status_after(current, step_proposed) if step_proposed else current
        if step_proposed == "reopened" and lifecycle.reopens_closed(doc, envelope.time):
            status, step_extra = "in_progress", {**step_extra, "archived_at": None, "closed_outcome": None}
        elif current in lifecycle.TERMINAL_STATUSES:  # late work on a withdrawn / closed item: staff-only trace
            step_entry = {**step_entry, "visibility": "internal"}
        pushed: dict[str, Any] = {"timeline": step_entry, **({"inbox": step.inbox} if step.inbox else {})}
        update = {"$set": {"status": status, **step_extra}, "$push": pushed}
        if await repo.apply_downstream(complaint_id, envelope.id, current, update):
            return
    raise RuntimeError(f"could not apply {envelope.type} to {complaint_id} after retries")
