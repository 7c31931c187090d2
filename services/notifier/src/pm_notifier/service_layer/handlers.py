"""Notifier use cases: turn workflow events into messages, record them, announce feedback.sent."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from pm_common.events import ComplaintTriaged, Envelope, FeedbackSent, TaskCompleted, TaskOverdue, new_event

from pm_notifier.domain.messages import Message, overdue_message, rejection_message, result_message

SOURCE = "pm/notifier"


class NotificationRepository(Protocol):
    async def add_once(self, document: dict[str, Any], event: Envelope) -> bool: ...


def message_for(payload: Any) -> Message | None:
    if isinstance(payload, TaskOverdue):
        return overdue_message(payload)
    if isinstance(payload, ComplaintTriaged) and payload.decision == "rejected":
        return rejection_message(payload)
    if isinstance(payload, TaskCompleted):
        return result_message(payload)
    return None


async def notify(envelope: Envelope, payload: Any, repo: NotificationRepository, now: datetime) -> bool:
    """Idempotent: the notification id is derived from the causing event id and the recipient."""
    message = message_for(payload)
    if message is None:
        return False
    notification_id = f"{envelope.id}:{message.recipient_role}"
    sent = FeedbackSent(
        notification_id=notification_id,
        complaint_id=envelope.subject,
        estate_id=envelope.estateid,
        recipient_role=message.recipient_role,  # type: ignore[arg-type]
        channel=message.channel,  # type: ignore[arg-type]
        template=message.template,
        message_zh=message.zh,
        message_en=message.en,
        sent_at=now,
    )
    event = new_event(
        sent, source=SOURCE, subject=envelope.subject, estate_id=envelope.estateid, cause=envelope, now=now
    )
    document = {
        "_id": notification_id,
        "complaint_id": envelope.subject,
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
    return await repo.add_once(document, event)
