"""The fail-safe on complaint.triaged (urgent_uncertain: dispatched and queued), the v3 proposal
(grade, clocks, model version), its upcaster, and the retraining gate that refuses a model that
lowers urgent recall. In-memory fakes of the ports."""

from __future__ import annotations

import csv
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from pm_common import topics
from pm_common.calendar import HolidayCalendar
from pm_common.events import ComplaintReceived, ComplaintTriaged, Envelope, Location, new_event, parse_payload
from pm_common.testing.fakes import InMemoryStore
from pm_triage.domain.classification.linear_model import load_triage_model
from pm_triage.domain.errors import InvalidReview
from pm_triage.domain.review import ReviewCommand
from pm_triage.domain.sla import SlaPolicy
from pm_triage.entrypoints import retrain
from pm_triage.service_layer import handlers
from pm_triage.service_layer.classifiers import EstateClassifiers
from pm_triage.service_layer.reviews import review_triage

pytestmark = pytest.mark.unit
NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)  # Monday 10:00 in Shanghai
CAL = HolidayCalendar.load()


class Repo(InMemoryStore):
    def __init__(self) -> None:
        super().__init__()
        self.reviews: dict[str, dict[str, Any]] = {}

    async def policy(self, estate_id: str) -> SlaPolicy:
        return SlaPolicy()

    async def household_history(self, *args: Any) -> list[Any]:
        return []

    async def first_same_fault(self, *args: Any) -> str | None:
        return None

    async def open_incident(self, key: str) -> dict[str, Any] | None:
        return None

    async def lexicon(self, estate_id: str) -> dict[str, Any] | None:
        return None

    async def review(self, complaint_id: str) -> dict[str, Any] | None:
        return self.reviews.get(complaint_id)

    async def add_review_once(self, document: dict[str, Any], event: Envelope) -> bool:
        if document["_id"] in self.reviews:
            return False
        self.reviews[document["_id"]] = document
        self.events.append(event)
        return True


@pytest.fixture(scope="module")
def classifiers() -> EstateClassifiers:
    return EstateClassifiers(Repo())


async def _triage(repo: Repo, classifiers: EstateClassifiers, content: str, cid: str) -> dict[str, Any]:
    payload = ComplaintReceived(
        complaint_id=cid, reference_no="R", estate_id="SUNNY", channel="app", content=content,
        location=Location(building="3", unit="2", room="301"), raised_at=NOW, received_at=NOW,
        owner_phone_masked="138****0000",
    )  # fmt: skip
    envelope = new_event(payload, source="pm/intake", subject=cid, estate_id="SUNNY")
    await handlers.triage_received(envelope, payload, classifiers, repo, repo, CAL, handlers.TriageRules(), NOW)
    return dict(repo.events[-1].data)


async def test_uncertain_urgent_is_dispatched_and_queued_then_reviewed(classifiers: EstateClassifiers) -> None:
    repo = Repo()
    data = await _triage(repo, classifiers, "电梯昨天把我邻居关里面半小时，你们维保到现在都没个说法", "u1")
    assert data["urgency"] == "urgent" and data["decision"] == "accepted"  # dispatched at once
    assert data["review_reasons"] == ["urgent_uncertain"] and repo.docs["u1"]["awaiting_review"] is True
    with pytest.raises(InvalidReview):  # its task is under way: it cannot be refused
        await review_triage("u1", ReviewCommand(action="reject", rejection_reason="no_facts", note="x"),
                            "sup", repo, repo, CAL, NOW)  # fmt: skip
    record = await review_triage(
        "u1", ReviewCommand(action="override", urgency="general", note="昨天的事，已处理"), "sup", repo, repo, CAL, NOW
    )
    assert record["before"]["urgency"] == "urgent" and record["after"]["urgency"] == "general"
    assert repo.events[-1].data["review"]["previous_decision"] == "accepted"


async def test_confident_urgent_is_not_queued_and_carries_grade_and_model(classifiers: EstateClassifiers) -> None:
    repo = Repo()
    data = await _triage(repo, classifiers, "3号楼电梯困人了，里面有老人，快来人", "u2")
    assert data["decision"] == "accepted" and data["review_reasons"] == []
    assert "awaiting_review" not in repo.docs["u2"]
    proposal = data["proposal"]
    assert proposal["grade"] == "major" and any(e.startswith("safety:lift") for e in proposal["grade_evidence"])
    assert proposal["model_version"] == load_triage_model().version  # type: ignore[union-attr]
    assert proposal["reply_by"] == "2026-11-23T04:00:00Z"  # major: reply within 2 h
    assert proposal["handled_by"] == "2026-11-26T16:00:00Z"  # handled within 3 working days (end of Thu)


async def test_minor_item_clocks(classifiers: EstateClassifiers) -> None:
    data = await _triage(Repo(), classifiers, "建议在小区花园多放几把长椅", "s1")
    assert data["urgency"] == "suggestion" and data["proposal"]["grade"] == "minor"
    assert data["proposal"]["handled_by"] == "2026-11-24T16:00:00Z"  # minor: 1 working day (end of Tue)


def test_v2_triaged_events_upcast_to_v3(classifiers: EstateClassifiers) -> None:
    current = ComplaintTriaged.model_validate(
        {"complaint_id": "c", "estate_id": "SUNNY", "decision": "accepted", "category": "engineering",
         "urgency": "general", "scope": "unit", "confidence": 0.9, "triaged_at": NOW,
         "deadlines": {"dispatch_by": NOW, "resolve_by": NOW}}
    )  # fmt: skip
    event = new_event(current, source="pm/triage", subject="c", estate_id="SUNNY")
    assert event.type == topics.COMPLAINT_TRIAGED and event.schemaversion == 3
    old = event.model_copy(update={"schemaversion": 2})
    parsed = parse_payload(old)
    assert isinstance(parsed, ComplaintTriaged) and parsed.proposal is None


def _write(path: Path, rows: list[dict[str, str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, list(rows[0]), delimiter="\t", quoting=csv.QUOTE_NONE, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


@pytest.mark.parametrize(
    ("before", "after", "accepted"),
    [(0.99, 0.98, False), (0.99, 0.99, True), (0.95, 0.99, True), (1.0, 0.999, False)],
)
def test_the_gate_refuses_any_drop_of_urgent_recall(before: float, after: float, accepted: bool) -> None:
    assert retrain.acceptable({"urgent_recall": before}, {"urgent_recall": after}) is accepted


def test_retraining_with_reviews_reports_and_writes_a_new_version(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    corpus = retrain.read_rows(retrain.TRAINING_SETS[0])
    _write(tmp_path / "train.tsv", [r for i, r in enumerate(corpus) if i % 8 == 0])
    dev = retrain.read_rows(retrain.SERVICE_ROOT / "corpus/dev.tsv")  # the gate's fixed split, small here
    _write(tmp_path / "gate.tsv", [r for i, r in enumerate(dev) if i % 4 == 0])
    out = tmp_path / "model.json"
    reviews = [r for i, r in enumerate(corpus) if i % 8 == 1][:40]
    old = load_triage_model()
    splits = {"train_sets": [tmp_path / "train.tsv"], "test_split": tmp_path / "gate.tsv"}
    status = retrain.retrain(reviews, out=out, weight=3.0, dry_run=False, old=old, **splits)
    report = capsys.readouterr().out
    assert "urgent_recall" in report and "before" in report and "after" in report
    if status == retrain.REFUSED:  # a smaller training set may lose recall: then nothing is written
        assert not out.exists() and "REFUSED" in report
    else:
        written = load_triage_model(out)
        assert written is not None and written.version != old.version  # type: ignore[union-attr]
        assert written.meta["reviews"] == len(reviews)


def test_review_rows_from_recorded_reviews() -> None:
    row = retrain.review_row(
        {"after": {"decision": "rejected", "category": "other", "urgency": "general", "scope": "unit",
                   "rejection_reason": "outside_duties"}},
        "家里宽带\t老是断",
    )  # fmt: skip
    assert row is not None and row["out_of_scope"] == "1" and row["reason"] == "outside_duties:unknown"
    assert retrain.review_row({"after": {}}, "x") is None
