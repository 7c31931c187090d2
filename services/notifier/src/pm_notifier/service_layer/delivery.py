"""Delivering one message: contact at send time, quiet hours, channel fallback, one attempt log,
``feedback.sent`` in the same write as the move to ``sent``/``delivered``."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from pm_common.events import FeedbackSent, new_event
from pm_notifier.domain import delivery as sm
from pm_notifier.domain.model import FEEDBACK_CHANNEL, FEEDBACK_ROLE, Contact, Intent, Recipient, delivery_id
from pm_notifier.domain.preferences import Preferences, quiet_until
from pm_notifier.domain.templates import render
from pm_notifier.service_layer.ports import (
    Channel,
    ContactDirectory,
    ContactUnavailable,
    DeliveryStore,
    Documents,
    Outbound,
    Timers,
)

log = logging.getLogger(__name__)
SOURCE = "pm/notifier"
RETRY_LATER = timedelta(seconds=5)


@dataclass
class DeliveryPorts:
    store: DeliveryStore
    contacts: ContactDirectory
    channels: dict[str, Channel]
    timers: Timers
    preferences: Documents
    estates: Documents
    default_tz: str = "Asia/Shanghai"


def new_delivery(
    intent: Intent,
    *,
    cause_id: str,
    cause_type: str,
    slot: str,
    complaint_id: str | None,
    estate_id: str,
    correlation_id: str,
    now: datetime,
    caused_by: str | None = None,
) -> dict[str, Any]:
    r = intent.recipient
    return {
        "_id": delivery_id(cause_id, r, slot),
        "complaint_id": complaint_id,
        "estate_id": estate_id,
        "incident_id": intent.incident_id,
        "cause_event_id": cause_id,
        "cause_type": cause_type,
        "correlation_id": correlation_id,
        "caused_by": caused_by or cause_id,  # the event id announced as feedback.sent's causation
        "template": intent.template,
        "recipient": {"kind": r.kind, "ref": r.ref, "role": r.role},
        "recipient_role": FEEDBACK_ROLE.get(r.role, "supervisor"),
        "params": intent.params,
        "urgent": intent.urgent,
        "status": "queued",
        "channel": None,
        "attempts": [],
        "not_before": None,
        "created_at": now,
    }


def _recipient(doc: dict[str, Any]) -> Recipient:
    r = doc["recipient"]
    return Recipient(r["kind"], r["ref"], r.get("role", "owner"))


async def _estate(ports: DeliveryPorts, estate_id: str) -> dict[str, Any]:
    return await ports.estates.get(estate_id) or {}


async def deliver(delivery_id_: str, ports: DeliveryPorts, now: datetime) -> str:
    """Send one queued delivery (idempotent: a delivery that left ``queued`` is not sent again, and
    the provider gets the same idempotency key after a crash mid-send). Returns the status."""
    doc = await ports.store.get(delivery_id_)
    if doc is None:
        return "missing"
    if not sm.is_open(doc["status"]):
        return str(doc["status"])
    if doc.get("not_before") and now < doc["not_before"]:
        return "queued"
    recipient = _recipient(doc)
    try:
        contact = await ports.contacts.lookup(recipient, purpose=delivery_id_)
    except ContactUnavailable as exc:
        log.warning("delivery %s: contact directory unavailable (%s), retrying later", delivery_id_, exc)
        await ports.timers.set("delivery", delivery_id_, now + RETRY_LATER)
        return "queued"
    if contact is None:
        await ports.store.transition(delivery_id_, "queued", "failed", {"failed_reason": "no_contact"}, None)
        return "failed"
    estate = await _estate(ports, doc["estate_id"])
    tz = str(estate.get("timezone") or ports.default_tz)
    prefs = Preferences()
    if recipient.kind == "owner" and contact.owner_ref:
        prefs = Preferences.from_doc(await ports.preferences.get(contact.owner_ref))
    held = quiet_until(prefs, now, tz, bool(doc.get("urgent")))
    if held is not None:
        await ports.store.defer(delivery_id_, held)
        await ports.timers.set("delivery", delivery_id_, held)
        return "queued"
    params = {**doc.get("params", {}), **contact.facts}  # intake knows the estate name and its promise
    text = render(doc["template"], params, tz, estate.get("templates"))
    for channel in contact.channels(prefs.channels):
        adapter = ports.channels.get(channel)
        if adapter is None:
            continue
        attempts = await adapter.send(_outbound(doc, channel, contact, text.zh, text.en))
        await ports.store.add_attempts(delivery_id_, [a.as_doc() for a in attempts])
        last = attempts[-1]
        if last.accepted:
            return await _accepted(doc, last, text.zh, text.en, ports, now)
        log.warning("delivery %s: channel %s failed (%s), falling back", delivery_id_, channel, last.outcome)
    await ports.store.transition(delivery_id_, "queued", "failed", {"failed_reason": "all_channels_failed"}, None)
    await ports.timers.clear("delivery", delivery_id_)
    return "failed"


def _outbound(doc: dict[str, Any], channel: str, contact: Contact, zh: str, en: str) -> Outbound:
    params: dict[str, str] = doc.get("params", {})
    return Outbound(
        delivery_id=doc["_id"],
        channel=channel,
        address=contact.addresses.get(channel, doc["recipient"]["ref"]),
        template=doc["template"],
        zh=zh,
        en=en,
        idempotency_key=sm.idempotency_key(doc["_id"], channel),
        urgent=bool(doc.get("urgent")),
        link=params.get("survey_link") or params.get("ack_link"),
        params={"recipient_ref": doc["recipient"]["ref"], **params},
    )


async def _accepted(
    doc: dict[str, Any], attempt: sm.Attempt, zh: str, en: str, ports: DeliveryPorts, now: datetime
) -> str:
    status = sm.status_after(attempt)
    role = doc["recipient"].get("role", "owner")
    event = None
    if doc.get("complaint_id"):
        sent = FeedbackSent(
            notification_id=doc["_id"],
            complaint_id=doc["complaint_id"],
            estate_id=doc["estate_id"],
            recipient_role=FEEDBACK_ROLE.get(role, "supervisor"),
            channel=FEEDBACK_CHANNEL[attempt.channel],
            template=doc["template"],
            message_zh=zh,
            message_en=en,
            sent_at=now,
            incident_id=doc.get("incident_id"),
        )
        event = new_event(sent, source=SOURCE, estate_id=doc["estate_id"], now=now)
        event = event.model_copy(
            update={
                "correlationid": doc.get("correlation_id") or event.correlationid,
                "causationid": doc.get("caused_by") or doc.get("cause_event_id"),
            }
        )
    fields = {
        "channel": attempt.channel,
        "sent_at": now,
        "delivered_at": now if status == "delivered" else None,
        "provider_message_id": attempt.provider_message_id,
        "recipient_masked": attempt.recipient_masked,
        "message_zh": zh,
        "message_en": en,
    }
    await ports.store.transition(doc["_id"], "queued", status, fields, event)
    if attempt.provider_message_id:  # receipts and SMS replies name the provider's message id
        await ports.store.remember_provider_id(attempt.provider_message_id, doc["_id"])
    await ports.timers.clear("delivery", doc["_id"])
    return status


async def receipt(delivery_id_: str, delivered: bool, detail: str, ports: DeliveryPorts, now: datetime) -> bool:
    """A provider's delivery receipt for a ``sent`` message (SMS gateways report asynchronously)."""
    target = "delivered" if delivered else "failed"
    fields: dict[str, Any] = {"delivered_at": now} if delivered else {"failed_reason": detail[:200] or "receipt"}
    return await ports.store.transition(delivery_id_, "sent", target, fields, None)
