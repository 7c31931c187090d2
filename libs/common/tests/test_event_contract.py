"""The envelope and payload contract: strict writer, tolerant reader, versions, subjects, wire format."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from pm_common import topics
from pm_common.events import (
    ComplaintReceived,
    ComplaintTriaged,
    Deadlines,
    Envelope,
    FeedbackSent,
    NotAStructuredEvent,
    TaskAssigned,
    event_from_kafka,
    new_event,
    parse_payload,
    registry,
)
from pm_common.events.history import ComplaintReceivedV1, ComplaintReceivedV2
from pm_common.events.payloads import GroupIncidentDeclared

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
    first = new_event(_received(), source="pm/intake", estate_id="SUNNY", now=NOW)
    assert first.type == topics.COMPLAINT_RECEIVED and first.schemaversion == 3
    assert first.dataschema == "urn:pm:event:complaint.received:v3"
    again = Envelope.read(first.to_json())
    assert again == first and parse_payload(again) == _received()
    second = new_event(_received(), source="pm/x", estate_id="SUNNY", cause=first)
    assert second.causationid == first.id and second.correlationid == first.correlationid
    assert "causationid" not in json.loads(first.to_json())  # absent, not null: CloudEvents has no nulls


def test_writer_is_strict() -> None:
    event = new_event(_received(), source="s", estate_id="SUNNY")
    with pytest.raises(ValidationError):
        Envelope.model_validate({**event.model_dump(), "surprise": 1})
    with pytest.raises(ValidationError):
        ComplaintReceived.model_validate({**_received().model_dump(), "owner_phone": "13800000000"})
    v1 = ComplaintReceivedV1.model_validate(_received().model_dump(include=set(ComplaintReceivedV1.model_fields)))
    with pytest.raises(registry.UnknownEventType):  # only the current version can be written
        new_event(v1, source="s", estate_id="SUNNY")


def test_reader_ignores_unknown_attributes_and_fields_at_every_depth() -> None:
    event = new_event(_received(), source="s", estate_id="SUNNY")
    raw = json.loads(event.to_json())
    raw["traceparent"] = "00-abc-def-01"  # an extension attribute this version does not know
    raw["data"]["owner_mood"] = "angry"
    raw["data"]["location"]["floor"] = "3"
    read = Envelope.read(json.dumps(raw))
    assert read.id == event.id and parse_payload(read) == _received()
    broken = {**raw, "data": {**raw["data"], "channel": "carrier_pigeon"}}  # known fields keep every check
    with pytest.raises(ValidationError):
        parse_payload(Envelope.read(json.dumps(broken)))


def test_older_versions_are_upcast_and_newer_ones_read_as_the_current() -> None:
    v1 = ComplaintReceivedV1.model_validate(_received().model_dump(include=set(ComplaintReceivedV1.model_fields)))
    event = new_event(_received(), source="s", estate_id="SUNNY")
    old = event.model_copy(update={"schemaversion": 1, "data": v1.model_dump(mode="json")})
    upcast = parse_payload(old)
    assert isinstance(upcast, ComplaintReceived) and upcast.evidence_ids == () and not upcast.resolved_at_intake
    v2 = ComplaintReceivedV2.model_validate(_received().model_dump(include=set(ComplaintReceivedV2.model_fields)))
    upcast = parse_payload(event.model_copy(update={"schemaversion": 2, "data": v2.model_dump(mode="json")}))
    assert isinstance(upcast, ComplaintReceived) and upcast.subject_staff_ids == ()  # v3: nobody named
    newer = event.model_copy(update={"schemaversion": 4, "data": {**event.data, "photo_count": 2}})
    assert parse_payload(newer) == _received()  # a v4 producer does not send us to the DLQ


def test_every_version_before_the_current_has_a_model_and_an_upcaster() -> None:
    for event_type, (current, model) in registry.EVENT_TYPES.items():
        models = registry.versions(event_type)
        assert sorted(models) == list(range(1, current + 1)) and models[current] is model
        for version in range(1, current):
            assert (event_type, version) in registry.UPCASTERS
    assert all(current_of in registry.EVENT_TYPES for current_of, _ in registry.HISTORY)


def test_subject_is_the_aggregate_id_and_complaintid_is_separate() -> None:
    assigned = TaskAssigned(
        task_id="T-c1",
        complaint_id="c1",
        estate_id="SUNNY",
        department="engineering",
        category="engineering",
        urgency="general",
        due_at=NOW,
        assigned_at=NOW,
    )
    event = new_event(assigned, source="pm/dispatch", estate_id="SUNNY")
    assert (event.subject, event.complaintid, event.kafka_key) == ("T-c1", "c1", "T-c1")
    declared = GroupIncidentDeclared(
        incident_id="INC-1",
        estate_id="SUNNY",
        fault_key="SUNNY|3号楼/电梯|engineering",
        place="3号楼/电梯",
        category="engineering",
        window_start=NOW,
        window_end=NOW,
        threshold=3,
        complaint_ids=("a", "b", "c"),
        declared_at=NOW,
    )
    incident = new_event(declared, source="pm/triage", estate_id="SUNNY")
    assert (incident.subject, incident.complaintid, incident.kafka_key) == ("INC-1", None, "INC-1")
    with pytest.raises(ValueError, match="aggregate id"):
        new_event(assigned, source="pm/dispatch", subject="c1", estate_id="SUNNY")
    sent = FeedbackSent(
        notification_id="n1",
        complaint_id="c1",
        estate_id="SUNNY",
        recipient_role="owner",
        channel="sms",
        template="result",
        message_zh="您的报修已处理完毕",
        message_en="Your repair request has been completed",
        sent_at=NOW,
    )
    assert (new_event(sent, source="pm/notifier", estate_id="SUNNY").subject) == "n1"


def test_kafka_binding_is_structured_mode() -> None:
    triaged = ComplaintTriaged(
        complaint_id="c1",
        estate_id="SUNNY",
        decision="accepted",
        category="engineering",
        urgency="urgent",
        scope="unit",
        confidence=0.9,
        deadlines=Deadlines(dispatch_by=NOW, resolve_by=NOW),
        triaged_at=NOW,
    )
    event = new_event(triaged, source="pm/triage", estate_id="SUNNY")
    headers = event.kafka_headers()
    assert headers == [("content-type", b"application/cloudevents+json; charset=UTF-8")]
    assert not [k for k, _ in headers if k.startswith("ce_")]  # ce_* headers would mean binary mode
    envelope, payload = event_from_kafka(event.to_json(), headers)
    assert envelope == event and payload == triaged
    assert event_from_kafka(event.to_json(), None)[0] == event  # written before the header existed
    with pytest.raises(NotAStructuredEvent):
        event_from_kafka(json.dumps(event.data).encode(), [("content-type", b"application/json")])
