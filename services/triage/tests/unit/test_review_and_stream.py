"""Supervisor review rules and what the incident stream counts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from pm_common.events import ComplaintTriaged, Deadlines, new_event
from pm_common.events.payloads import TriageReview
from pm_triage.domain.errors import InvalidLexicon, InvalidReview
from pm_triage.domain.overlay import validate_overlay
from pm_triage.domain.review import ReviewCommand, decide_review
from pm_triage.entrypoints.incident_stream import report_of

pytestmark = pytest.mark.unit
NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)


def current(**overrides: object) -> dict[str, object]:
    return {
        "complaint_id": "c1",
        "decision": "needs_review",
        "category": "other",
        "urgency": "general",
        "scope": "unit",
        "rejection_reason": None,
        "referral": None,
        **overrides,
    }


def test_confirming_a_proposal_refuses_with_its_reason_and_referral() -> None:
    outcome = decide_review(
        current(rejection_reason="outside_duties", referral="请联系厂家"), ReviewCommand(action="confirm")
    )
    assert (outcome.decision, outcome.rejection_reason, outcome.referral) == (
        "rejected",
        "outside_duties",
        "请联系厂家",
    )
    assert decide_review(current(), ReviewCommand(action="confirm")).decision == "accepted"


def test_override_and_reject_need_a_reason_and_valid_codes() -> None:
    with pytest.raises(InvalidReview):
        decide_review(current(), ReviewCommand(action="override", category="engineering"))  # no note
    changed = decide_review(current(), ReviewCommand(action="override", category="engineering", note="公共管道"))
    assert changed.changed == ("category",) and changed.decision == "accepted"
    malicious = decide_review(
        current(), ReviewCommand(action="reject", rejection_reason="false_or_malicious", note="核实不实")
    )
    assert (malicious.decision, malicious.rejection_reason) == ("rejected", "false_or_malicious")
    with pytest.raises(InvalidReview):
        decide_review(current(), ReviewCommand(action="reject", note="x"))  # no reason code
    with pytest.raises(InvalidReview):
        decide_review(
            current(), ReviewCommand(action="reject", rejection_reason="outside_duties", note="x")
        )  # no referral
    with pytest.raises(ValueError):
        ReviewCommand.model_validate({"action": "reject", "rejection_reason": "rude"})


def test_overlay_is_validated_by_compiling_it() -> None:
    validate_overlay({"categories": {"engineering": {"水浸街": 3}}, "facilities": {"estate": {"喷泉": "喷泉"}}})
    with pytest.raises(InvalidLexicon):
        validate_overlay({"colours": {}})
    with pytest.raises(InvalidLexicon):
        validate_overlay({"urgency": {"threshold": "high"}})
    with pytest.raises(InvalidLexicon):
        validate_overlay({"facilities": {"floor": {}}})


def triaged(**overrides: object) -> bytes:
    values: dict[str, object] = {
        "complaint_id": "c1",
        "estate_id": "SUNNY",
        "decision": "accepted",
        "category": "engineering",
        "urgency": "general",
        "scope": "building",
        "confidence": 0.9,
        "triaged_at": NOW,
        "deadlines": Deadlines(dispatch_by=NOW, resolve_by=NOW + timedelta(days=2)),
        "fault_key": "SUNNY|3号楼/电梯|engineering",
        "received_at": NOW - timedelta(minutes=5),
        **overrides,
    }
    payload = ComplaintTriaged.model_validate(values)
    return new_event(payload, source="pm/triage", estate_id="SUNNY").model_dump_json().encode()


def test_the_stream_counts_new_reports_only() -> None:
    report = report_of(triaged())
    assert report is not None and report.received_at == (NOW - timedelta(minutes=5)).timestamp()
    assert report.fault_key == "SUNNY|3号楼/电梯|engineering"
    assert report_of(triaged(decision="rejected")) is None
    assert report_of(triaged(duplicate_of="c0")) is None
    assert report_of(triaged(fault_key=None)) is None
    review = TriageReview(reviewed_by="s", reviewed_at=NOW, action="confirm", previous_decision="needs_review")
    assert report_of(triaged(review=review)) is None  # a re-decision is not a new report
    assert report_of(b"{not json") is None
