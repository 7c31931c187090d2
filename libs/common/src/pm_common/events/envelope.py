"""The event envelope: a CloudEvents 1.0 event in the structured JSON format, plus our extensions.

Strict writer, tolerant reader: ``Envelope(...)`` / ``new_event`` refuse unknown attributes;
``Envelope.read`` (used by every consumer) ignores attributes this version does not know, so a
producer may add extension attributes without breaking anyone.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SerializerFunctionWrapHandler, model_serializer

from pm_common.logging import correlation_id

# Kafka protocol binding, structured content mode: the value is the whole event as JSON.
CONTENT_TYPE = "application/cloudevents+json; charset=UTF-8"


class Envelope(BaseModel):
    """One event on the bus. ``data`` is the payload as JSON; parse it with ``parse_payload``."""

    model_config = ConfigDict(frozen=True, extra="forbid", title="PmCloudEvent")

    specversion: Literal["1.0"] = "1.0"
    id: str = Field(description="Event id (hex uuid); consumers deduplicate on it or on a natural key.")
    source: str = Field(description="Producing service, e.g. pm/intake.")
    type: str = Field(description="Event type = topic name, e.g. complaint.received.")
    time: datetime = Field(description="When it happened (UTC, RFC 3339).")
    subject: str = Field(
        description="Id of the aggregate the event is about (complaint, task, notification or incident id); "
        "also the Kafka key."
    )
    datacontenttype: Literal["application/json"] = "application/json"
    dataschema: str = Field(description="urn:pm:event:<type>:v<version>, the $id of the payload's JSON Schema.")
    schemaversion: int = Field(ge=1, description="Payload version (extension attribute).")
    correlationid: str = Field(description="Same for every event caused by one original submission.")
    causationid: str | None = Field(None, description="Id of the event that caused this one.")
    estateid: str = Field(description="The estate (项目/小区) the item belongs to.")
    complaintid: str | None = Field(None, description="The complaint the event concerns, if any.")
    data: dict[str, Any]

    @model_serializer(mode="wrap")
    def _absent_not_null(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        """Optional attributes without a value are left out (CloudEvents has no null attributes)."""
        return {k: v for k, v in handler(self).items() if v is not None or k == "data"}

    @property
    def kafka_key(self) -> str:
        """The Kafka message key: the subject, so each aggregate's events stay in order in one partition."""
        return self.subject

    def kafka_headers(self) -> list[tuple[str, bytes]]:
        """Headers of the Kafka message (structured mode): only the content type.

        No ``ce_*`` headers: in the Kafka binding their presence means binary mode, and readers such
        as the CloudEvents SDK would then read the value as bare data.
        """
        return [("content-type", CONTENT_TYPE.encode())]

    def to_json(self) -> bytes:
        """The Kafka message value: the event in the CloudEvents JSON format."""
        return self.model_dump_json().encode()

    @classmethod
    def read(cls, value: bytes | str | dict[str, Any]) -> Envelope:
        """Tolerant reader: attributes unknown to this version are ignored, known ones validated."""
        raw = json.loads(value) if isinstance(value, (bytes, str)) else value
        if not isinstance(raw, dict):
            raise ValueError("a CloudEvent in the JSON format must be a JSON object")
        return cls.model_validate({k: v for k, v in raw.items() if k in cls.model_fields})


def new_event(
    payload: BaseModel,
    *,
    source: str,
    estate_id: str,
    subject: str | None = None,
    cause: Envelope | None = None,
    now: datetime | None = None,
) -> Envelope:
    """Build an envelope for a payload model registered in ``EVENT_TYPES``.

    ``subject`` (the aggregate id, also the Kafka key) and ``complaintid`` come from the payload, as
    the registry says for the type; a ``subject`` passed in must agree with it.
    """
    from pm_common.events.registry import aggregate_id, complaint_of, type_of

    event_type, version = type_of(type(payload))
    aggregate = aggregate_id(payload)
    if subject is not None and subject != aggregate:
        raise ValueError(f"subject of {event_type} is its aggregate id {aggregate!r}, not {subject!r}")
    complaint = complaint_of(payload)
    corr = cause.correlationid if cause else (correlation_id.get() or uuid.uuid4().hex)
    return Envelope(
        id=uuid.uuid4().hex,
        source=source,
        type=event_type,
        time=now or datetime.now(UTC),
        subject=aggregate,
        dataschema=schema_urn(event_type, version),
        schemaversion=version,
        correlationid=corr,
        causationid=cause.id if cause else None,
        estateid=estate_id,
        complaintid=complaint,
        data=payload.model_dump(mode="json"),
    )


def schema_urn(event_type: str, version: int) -> str:
    return f"urn:pm:event:{event_type}:v{version}"
