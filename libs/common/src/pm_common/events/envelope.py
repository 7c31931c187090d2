"""The event envelope: CloudEvents 1.0 attributes plus schema version, correlation, causation, estate."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from pm_common.logging import correlation_id


class Envelope(BaseModel):
    """One event on the bus. ``data`` is the payload as JSON; parse it with ``parse_payload``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    specversion: Literal["1.0"] = "1.0"
    id: str
    source: str
    type: str
    time: datetime
    subject: str = Field(description="The complaint id: also the Kafka key.")
    datacontenttype: Literal["application/json"] = "application/json"
    dataschema: str
    schemaversion: int = Field(ge=1)
    correlationid: str
    causationid: str | None = None
    estateid: str
    data: dict[str, Any]

    def kafka_headers(self) -> list[tuple[str, bytes]]:
        headers = [
            ("ce_id", self.id),
            ("ce_type", self.type),
            ("ce_source", self.source),
            ("ce_schemaversion", str(self.schemaversion)),
            ("correlation_id", self.correlationid),
            ("estate_id", self.estateid),
        ]
        return [(k, v.encode()) for k, v in headers]


def new_event(
    payload: BaseModel,
    *,
    source: str,
    subject: str,
    estate_id: str,
    cause: Envelope | None = None,
    now: datetime | None = None,
) -> Envelope:
    """Build an envelope for a payload model registered in ``EVENT_TYPES``."""
    from pm_common.events.registry import type_of

    event_type, version = type_of(type(payload))
    corr = cause.correlationid if cause else (correlation_id.get() or uuid.uuid4().hex)
    return Envelope(
        id=uuid.uuid4().hex,
        source=source,
        type=event_type,
        time=now or datetime.now(UTC),
        subject=subject,
        dataschema=f"urn:pm:event:{event_type}:v{version}",
        schemaversion=version,
        correlationid=corr,
        causationid=cause.id if cause else None,
        estateid=estate_id,
        data=payload.model_dump(mode="json"),
    )
