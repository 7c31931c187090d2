"""Notifier use cases: turn workflow events into messages, record them, announce feedback.sent."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from pm_common.events import ComplaintTriaged, Envelope, FeedbackSent, TaskCompleted, TaskOverdue, new_event
from pm_common.events.payloads import GroupIncidentDeclared, GroupIncidentResolved
from pm_notifier.domain.messages import (
    Message,
    incident_broadcast_message,
    incident_escalation_messages,
    overdue_message,
    rejection_message,
    result_message,
)

SOURCE = "pm/notifier"


class NotificationRepository(Protocol):
    async def add_once(self, document: dict[str, Any], event: Envelope) -> bool: ...


@dataclass(frozen=True)
class Outgoing:
    notification_id: str
    complaint_id: str
    message: Message
    incident_id: str | None = None


def message_for(payload: Any) -> Message | None:
    if isinstance(payload, TaskOverdue):
        return overdue_message(payload)
    if isinstance(payload, ComplaintTriaged) and payload.decision == "rejected":
        return rejection_message(payload)
    if isinstance(payload, TaskCompleted):
        return result_message(payload)
    return None


def outgoing_for(envelope: Envelope, payload: Any) -> list[Outgoing]:
    """Every message an event causes, each with a deterministic notification id.

    The id is ``<cause event id>:<recipient>``. Group incidents: the broadcast answer goes to each
    linked owner as ``<resolution event id>:<complaint>:owner``; a task closed by that resolution
    (``task.completed`` caused by it) maps to the same id, so each owner gets the answer once.
    An incident's escalation is about the incident: it carries the incident id, and as complaint id
    the incident's first complaint (never the incident id).
    """
    if isinstance(payload, GroupIncidentDeclared):
        first = payload.complaint_ids[0]
        return [
            Outgoing(f"{envelope.id}:{m.recipient_role}", first, m, payload.incident_id)
            for m in incident_escalation_messages(payload)
        ]
    if isinstance(payload, GroupIncidentResolved):
        message = incident_broadcast_message(payload)
        return [
            Outgoing(f"{envelope.id}:{cid}:owner", cid, message, payload.incident_id) for cid in payload.complaint_ids
        ]
    single = message_for(payload)
    if single is None:
        return []
    complaint_id = payload.complaint_id
    if isinstance(payload, TaskCompleted) and envelope.causationid:
        return [Outgoing(f"{envelope.causationid}:{complaint_id}:owner", complaint_id, single)]
    return [Outgoing(f"{envelope.id}:{single.recipient_role}", complaint_id, single)]


async def notify(envelope: Envelope, payload: Any, repo: NotificationRepository, now: datetime) -> bool:
    """Idempotent: notification ids are derived from the causing event; returns whether any was new."""
    sent_any = False
    for out in outgoing_for(envelope, payload):
        message = out.message
        sent = FeedbackSent(
            notification_id=out.notification_id,
            complaint_id=out.complaint_id,
            estate_id=envelope.estateid,
            recipient_role=message.recipient_role,  # type: ignore[arg-type]
            channel=message.channel,  # type: ignore[arg-type]
            template=message.template,
            message_zh=message.zh,
            message_en=message.en,
            sent_at=now,
            incident_id=out.incident_id,
        )
        event = new_event(sent, source=SOURCE, estate_id=envelope.estateid, cause=envelope, now=now)
        document = {
            "_id": out.notification_id,
            "complaint_id": out.complaint_id,
            "incident_id": out.incident_id,
            "estate_id": envelope.estateid,
            "cause_event_id": envelope.id,
            "cause_type": envelope.type,
            "recipient_role": message.recipient_role,
            "channel": message.channel,
            "template": message.template,
            "message_zh": message.zh,
            "message_en": message.en,
            "status": "sent",
            "sent_at": now,
        }
        sent_any = await repo.add_once(document, event) or sent_any
    return sent_any
