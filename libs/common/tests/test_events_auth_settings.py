"""Envelope, registry/upcasters, tokens and settings: pure, no engines."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from pm_common import topics
from pm_common.auth import InvalidToken, issue_token, verify_token
from pm_common.events import ComplaintReceived, Envelope, new_event, parse_payload, registry
from pm_common.settings import CommonSettings

pytestmark = pytest.mark.unit
NOW = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)


def _received() -> ComplaintReceived:
    return ComplaintReceived(
        complaint_id="c1",
        reference_no="SUNNY-20261122-0001",
        estate_id="SUNNY",
        channel="app",
        content="灯坏了",
        raised_at=NOW,
        received_at=NOW,
    )


def test_envelope_round_trip_and_causation() -> None:
    first = new_event(_received(), source="pm/intake", subject="c1", estate_id="SUNNY", now=NOW)
    assert first.type == topics.COMPLAINT_RECEIVED and first.schemaversion == 1
    assert first.dataschema == "urn:pm:event:complaint.received:v1"
    again = Envelope.model_validate_json(first.model_dump_json())
    assert parse_payload(again) == _received()
    second = new_event(_received(), source="pm/x", subject="c1", estate_id="SUNNY", cause=first)
    assert second.causationid == first.id and second.correlationid == first.correlationid


def test_envelope_and_payload_forbid_unknown_fields() -> None:
    event = new_event(_received(), source="s", subject="c1", estate_id="SUNNY")
    with pytest.raises(ValidationError):
        Envelope.model_validate({**event.model_dump(), "surprise": 1})
    bad = event.model_copy(update={"data": {**event.data, "owner_phone": "13800000000"}})
    with pytest.raises(ValidationError):
        parse_payload(bad)


def test_upcaster_runs_for_older_versions(monkeypatch: pytest.MonkeyPatch) -> None:
    event = new_event(_received(), source="s", subject="c1", estate_id="SUNNY")
    old = event.model_copy(update={"schemaversion": 1, "data": {**event.data, "legacy_field": "x"}})
    monkeypatch.setitem(registry.EVENT_TYPES, topics.COMPLAINT_RECEIVED, (2, ComplaintReceived))
    monkeypatch.setitem(
        registry.UPCASTERS,
        (topics.COMPLAINT_RECEIVED, 1),
        lambda d: {k: v for k, v in d.items() if k != "legacy_field"},
    )
    assert parse_payload(old) == _received()
    newer = event.model_copy(update={"schemaversion": 3})
    with pytest.raises(registry.UnknownEventType):
        parse_payload(newer)


def test_every_topic_has_a_dlq_and_contract_names() -> None:
    names = {s.name for s in topics.all_topic_specs()}
    for name in ("complaint.received", "complaint.triaged", "task.overdue", "feedback.sent"):
        assert name in names and name + ".dlq" in names
    assert set(registry.EVENT_TYPES) == set(topics.TOPICS)


def test_tokens_verify_and_reject_tampering_and_expiry() -> None:
    token = issue_token("s" * 32, "desk-1", "front_desk", ["SUNNY"])
    principal = verify_token("s" * 32, token)
    assert principal.can_see("SUNNY") and not principal.can_see("JADE")
    with pytest.raises(InvalidToken):
        verify_token("t" * 32, token)
    with pytest.raises(InvalidToken) as expired:
        verify_token("s" * 32, token, now=principal.exp + 1)
    assert "过期" in expired.value.zh
    assert verify_token("s" * 32, issue_token("s" * 32, "boss", "leadership", ["*"])).can_see("ANY")


def test_production_refuses_the_dev_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PM_ENV", "prod")
    monkeypatch.delenv("PM_AUTH_SECRET", raising=False)
    with pytest.raises(ValidationError):
        CommonSettings()
    monkeypatch.setenv("PM_AUTH_SECRET", "r" * 40)
    assert CommonSettings().env == "prod"
