"""What every notifier use case shares: the ports, and creating + sending one delivery."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pm_notifier.domain.model import Intent
from pm_notifier.service_layer.delivery import DeliveryPorts, deliver, new_delivery
from pm_notifier.service_layer.ports import Documents, Rosters


@dataclass
class NotifierPorts:
    delivery: DeliveryPorts
    rosters: Rosters
    tasks: Documents
    pages: Documents
    followups: Documents
    links: Any  # pm_notifier.domain.links.LinkSigner
    settings: Any  # pm_notifier.config.NotifierSettings (ack minutes, follow-up defaults, public URL)
    subjects: Any = None  # pm_common.subjects_store.SubjectsStore: the 被投诉人 of each complaint


async def send_intent(
    ports: NotifierPorts,
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
) -> str:
    """Create the delivery record (deterministic id: a second call finds the first) and send it."""
    doc = new_delivery(
        intent,
        cause_id=cause_id,
        cause_type=cause_type,
        slot=slot,
        complaint_id=complaint_id,
        estate_id=estate_id,
        correlation_id=correlation_id,
        now=now,
        caused_by=caused_by,
    )
    stored = await ports.delivery.store.create(doc)
    return await deliver(stored["_id"], ports.delivery, now)
