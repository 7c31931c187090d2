"""Reading events off Kafka: the CloudEvents Kafka protocol binding, structured content mode.

A message's value is the whole event in the CloudEvents JSON format and its ``content-type`` header
is ``application/cloudevents+json``. Messages written before the header existed (no content-type)
carry the same JSON value and are read the same way. A message in binary mode (``ce_*`` headers
with a bare data value) or in another format is refused: nothing in the platform writes one.
"""

from __future__ import annotations

from collections.abc import Iterable

from pydantic import BaseModel

from pm_common.events.envelope import Envelope
from pm_common.events.registry import parse_payload

STRUCTURED_JSON = "application/cloudevents+json"


class NotAStructuredEvent(ValueError):
    pass


def envelope_from_kafka(value: bytes | None, headers: Iterable[tuple[str, bytes]] | None = None) -> Envelope:
    """The envelope of one Kafka record (tolerant: unknown attributes are ignored)."""
    content_type = _header(headers, "content-type")
    if content_type is not None and not content_type.lower().startswith(STRUCTURED_JSON):
        raise NotAStructuredEvent(f"content-type {content_type!r} is not {STRUCTURED_JSON}")
    if not value:
        raise NotAStructuredEvent("empty message value")
    return Envelope.read(value)


def event_from_kafka(
    value: bytes | None, headers: Iterable[tuple[str, bytes]] | None = None
) -> tuple[Envelope, BaseModel]:
    """Envelope and payload (as the current model) of one Kafka record; ``ValueError`` if unreadable."""
    envelope = envelope_from_kafka(value, headers)
    return envelope, parse_payload(envelope)


def _header(headers: Iterable[tuple[str, bytes]] | None, name: str) -> str | None:
    for key, raw in headers or ():
        if key.lower() == name:
            return raw.decode("utf-8", "replace")
    return None
