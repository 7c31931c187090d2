"""Triage use cases with in-memory fakes of the ports (repositories, lexicon store)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from pm_common.calendar import HolidayCalendar
from pm_common.events import ComplaintReceived, Envelope, Location, TaskCompleted, new_event
from pm_common.testing.fakes import InMemoryStore
from pm_triage.domain.duplicates import EarlierItem
from pm_triage.domain.errors import AlreadyReviewed, IncidentClosed, InvalidReview, NotAwaitingReview
from pm_triage.domain.incidents import FaultReport, IncidentPolicy, WindowCount
from pm_triage.domain.review import ReviewCommand
from pm_triage.domain.sla import SlaPolicy
from pm_triage.service_layer import handlers, incidents
from pm_triage.service_layer.classifiers import EstateClassifiers
from pm_triage.service_layer.reviews import review_triage

pytestmark = pytest.mark.unit
NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)  # Monday 10:00 in Shanghai
CAL = HolidayCalendar.load()
RULES = handlers.TriageRules()


class FakeRepo(InMemoryStore):
    def __init__(self) -> None:
        super().__init__()
        self.answers: set[str] = set()
        self.reviews: dict[str, dict[str, Any]] = {}
        self.policies: dict[str, SlaPolicy] = {}
        self.lexicons: dict[str, dict[str, Any]] = {}

    async def policy(self, estate_id: str) -> SlaPolicy:
        return self.policies.get(estate_id, SlaPolicy())

    async def household_history(
        self, household: str, since: datetime, before: datetime, exclude: str
    ) -> list[EarlierItem]:
        found = [d for d in self.docs.values() if d["household"] == household and d["_id"] != exclude]
        found.sort(key=lambda d: d["received_at"], reverse=True)
        return [
            EarlierItem(
                d["_id"], d["content"], d["result"]["category"], d["_id"] in self.answers or d["decision"] == "rejected"
            )
            for d in found
        ]

    async def first_same_fault(
        self, key: str, since: datetime, before: datetime, household: str | None, exclude: str
    ) -> str | None:
        for d in sorted(self.docs.values(), key=lambda d: d["received_at"]):
            if d["fault_key"] == key and d["_id"] != exclude and (household is None or d["household"] != household):
                return str(d["_id"])
        return None

    async def record_answer(self, complaint_id: str, at: datetime, cause_event_id: str) -> bool:
        new = complaint_id not in self.answers
        self.answers.add(complaint_id)
        return new

    async def review(self, complaint_id: str) -> dict[str, Any] | None:
        return self.reviews.get(complaint_id)

    async def add_review_once(self, document: dict[str, Any], event: Envelope) -> bool:
        if document["_id"] in self.reviews:
            return False
        self.reviews[document["_id"]] = document
        self.events.append(event)
        return True

    async def lexicon(self, estate_id: str) -> dict[str, Any] | None:
        return self.lexicons.get(estate_id)


class FakeIncidents:
    def __init__(self) -> None:
        self.incidents: dict[str, dict[str, Any]] = {}
        self.children_: dict[str, list[str]] = {}
        self.decisions: dict[str, dict[str, Any]] = {}
        self.events: list[Envelope] = []

    async def open_incident(self, key: str) -> dict[str, Any] | None:
        found = [d for d in self.incidents.values() if d["fault_key"] == key and d["_id"] not in self.decisions]
        return found[-1] if found else None

    async def linked(self, complaint_ids: list[str]) -> set[str]:
        return {c for kids in self.children_.values() for c in kids if c in complaint_ids}

    async def declare_once(self, document: dict[str, Any], event: Envelope) -> bool:
        if document["_id"] in self.incidents:
            return False
        self.incidents[document["_id"]] = document
        self.events.append(event)
        return True

    async def link(self, incident: str, key: str, complaint_ids: tuple[str, ...], at: datetime) -> int:
        kids = self.children_.setdefault(incident, [])
        new = [c for c in complaint_ids if c not in kids]
        kids.extend(new)
        return len(new)

    async def get(self, incident: str) -> dict[str, Any] | None:
        return self.incidents.get(incident)

    async def children(self, incident: str) -> list[str]:
        return list(self.children_.get(incident, []))

    async def decision(self, incident: str) -> dict[str, Any] | None:
        return self.decisions.get(incident)

    async def decide_once(self, document: dict[str, Any], event: Envelope | None) -> bool:
        if document["_id"] in self.decisions:
            return False
        self.decisions[document["_id"]] = document
        if event:
            self.events.append(event)
        return True

    async def confirm_once(self, document: dict[str, Any]) -> bool:
        return True


def received(
    content: str, *, room: str | None = "301", building: str = "3", at: datetime = NOW, **kw: Any
) -> tuple[Envelope, ComplaintReceived]:
    cid = kw.pop("cid", f"c{abs(hash((content, room, at))) % 10**8}")
    payload = ComplaintReceived(
        complaint_id=cid,
        reference_no="R",
        estate_id=kw.pop("estate_id", "SUNNY"),
        channel="app",
        content=content,
        location=Location(building=building, unit="2", room=room),
        raised_at=at,
        received_at=at,
        owner_phone_masked=kw.pop("phone", "138****0000"),
        **kw,
    )
    return new_event(payload, source="pm/intake", estate_id=payload.estate_id), payload


@pytest.fixture(scope="module")
def classifiers_store() -> tuple[EstateClassifiers, FakeRepo]:
    repo = FakeRepo()
    return EstateClassifiers(repo), repo


async def triage(
    repo: FakeRepo,
    classifiers: EstateClassifiers,
    envelope: Envelope,
    payload: ComplaintReceived,
    incidents_repo: FakeIncidents | None = None,
) -> bool:
    return await handlers.triage_received(
        envelope, payload, classifiers, repo, incidents_repo or FakeIncidents(), CAL, RULES, NOW
    )


async def test_triage_is_idempotent_and_carries_deadlines(classifiers_store) -> None:  # type: ignore[no-untyped-def]
    classifiers, _ = classifiers_store
    repo = FakeRepo()
    envelope, payload = received("3号楼电梯困人了，里面有老人")
    assert await triage(repo, classifiers, envelope, payload)
    assert not await triage(repo, classifiers, envelope, payload)
    assert len(repo.events) == 1
    data = repo.events[0].data
    assert (
        data["decision"] == "accepted"
        and data["urgency"] == "urgent"
        and data["fault_key"] == "SUNNY|3号楼/电梯|engineering"
    )
    assert data["deadlines"]["onsite_by"] is not None and repo.events[0].causationid == envelope.id


async def test_megabytes_of_content_are_refused_before_classifying(classifiers_store) -> None:  # type: ignore[no-untyped-def]
    """Found by the fault-injection suite: a 5 MB event was classified for 100 s, then could not be
    stored (DocumentTooLarge), was retried five times and blocked the consumer for minutes."""
    classifiers, _ = classifiers_store
    repo = FakeRepo()
    envelope, payload = received("漏水" * (RULES.max_content_chars // 2 + 1))
    with pytest.raises(handlers.ContentTooLong, match="characters"):
        await triage(repo, classifiers, envelope, payload)
    assert repo.events == [] and not repo.docs
    envelope, payload = received("漏" * 4999 + "水")  # as long as intake allows: triaged
    assert await triage(repo, classifiers, envelope, payload)


async def test_same_household_duplicate_then_repeat_after_the_answer(classifiers_store) -> None:  # type: ignore[no-untyped-def]
    classifiers, _ = classifiers_store
    repo = FakeRepo()
    text = "卫生间天花板一直在渗水，麻烦派人看看"
    first = received(text, at=NOW - timedelta(days=3), cid="first")
    await triage(repo, classifiers, *first)
    again = received(text + "！", at=NOW - timedelta(days=2), cid="again")
    await triage(repo, classifiers, *again)
    assert repo.events[-1].data["duplicate_of"] == "first" and repo.events[-1].data["decision"] == "accepted"
    done = TaskCompleted(
        task_id="T-first", complaint_id="first", estate_id="SUNNY", result_summary="已修复", completed_at=NOW
    )
    assert await handlers.record_answer(new_event(done, source="d", estate_id="SUNNY"), done, repo)
    repo.answers.add("again")
    third = received(text, cid="third")
    await triage(repo, classifiers, *third)
    assert (repo.events[-1].data["decision"], repo.events[-1].data["rejection_reason"]) == ("rejected", "repeat")


async def test_other_households_with_the_same_fault_are_linked_and_join_an_open_incident(classifiers_store) -> None:  # type: ignore[no-untyped-def]
    classifiers, _ = classifiers_store
    repo, incident_repo = FakeRepo(), FakeIncidents()
    await triage(repo, classifiers, *received("3号楼电梯又坏了，停在半中间", room="101", cid="a"), incident_repo)
    incident_repo.incidents["INC-1"] = {
        "_id": "INC-1",
        "fault_key": "SUNNY|3号楼/电梯|engineering",
        "window_start": NOW,
    }
    await triage(repo, classifiers, *received("电梯坏了没法坐", room="502", cid="b"), incident_repo)
    data = repo.events[-1].data
    assert (data["related_to"], data["incident_id"]) == ("a", "INC-1")


async def test_estate_overlay_applies_without_restart_and_per_category_policy(classifiers_store) -> None:  # type: ignore[no-untyped-def]
    classifiers, store = classifiers_store
    text = "水浸街了"
    before = (await classifiers.for_estate("JADE")).classifier.classify(text)
    assert (before.category, before.out_of_scope_reason) == ("other", "no_facts")
    store.lexicons["JADE"] = {"overlay": {"categories": {"engineering": {"水浸街": 6}}}, "revision": "r1"}
    after = await classifiers.for_estate("JADE")
    assert after.revision == "r1" and after.classifier.classify(text).category == "engineering"
    assert after.classifier.classify(text).out_of_scope_reason is None
    assert (await classifiers.for_estate("SUNNY")).classifier.classify(text).category == "other"
    repo = FakeRepo()
    repo.policies["SUNNY"] = SlaPolicy(by_category={"fees_finance": {"complaint_working_days": 1}})  # type: ignore[dict-item]
    await triage(repo, classifiers, *received("物业费收据到现在还没给我，说好的发票呢", room=None))
    assert repo.events[-1].data["category"] == "fees_finance"
    assert repo.events[-1].data["deadlines"]["resolve_by"] == "2026-11-24T16:00:00Z"  # end of Tue, 1 working day


async def test_supervisor_review_confirms_overrides_once_and_records_who_why() -> None:
    classifiers = EstateClassifiers(FakeRepo())
    repo = FakeRepo()
    envelope, payload = received("物业太差了", cid="ac")  # vague, but staff can call back: a proposal
    await triage(repo, classifiers, envelope, payload)
    proposal = repo.events[-1].data
    assert proposal["decision"] == "needs_review" and proposal["rejection_reason"] == "no_facts"
    with pytest.raises(InvalidReview):
        await review_triage(
            "ac", ReviewCommand(action="override", category="engineering"), "sup-1", repo, repo, CAL, NOW
        )
    record = await review_triage(
        "ac", ReviewCommand(action="override", scope="unit", note="外机属公共部位"), "sup-1", repo, repo, CAL, NOW
    )
    assert record["reviewed_by"] == "sup-1" and record["note"] == "外机属公共部位" and "decision" in record["changed"]
    event = repo.events[-1].data
    assert event["decision"] == "accepted" and event["review"]["previous_decision"] == "needs_review"
    with pytest.raises(AlreadyReviewed):
        await review_triage("ac", ReviewCommand(action="confirm"), "sup-2", repo, repo, CAL, NOW)
    await triage(repo, classifiers, *received("3号楼电梯困人了", cid="urgent"))
    with pytest.raises(NotAwaitingReview):
        await review_triage("urgent", ReviewCommand(action="confirm"), "sup-1", repo, repo, CAL, NOW)


async def test_incident_declared_at_threshold_extended_then_resolved_once() -> None:
    repo, policy, key = FakeIncidents(), IncidentPolicy(threshold=3, window_seconds=600), "SUNNY|3号楼/电梯|engineering"
    at = NOW.timestamp()

    def report(cid: str) -> FaultReport:
        return FaultReport(cid, "SUNNY", key, at, "engineering")

    window = WindowCount(at - 300, at + 300, ("a", "b"))
    assert await incidents.on_fault_windows(report("b"), [window], policy, repo, NOW) is None
    full = WindowCount(at - 300, at + 300, ("a", "b", "c"))
    first = await incidents.on_fault_windows(report("c"), [full], policy, repo, NOW)
    again = await incidents.on_fault_windows(report("c"), [full], policy, repo, NOW)  # replay
    assert first is not None and first == again and len(repo.events) == 1
    bigger = WindowCount(at - 300, at + 300, ("a", "b", "c", "d"))
    assert await incidents.on_fault_windows(report("d"), [bigger], policy, repo, NOW) == first
    assert await repo.children(first) == ["a", "b", "c", "d"]
    decision = await incidents.resolve_incident(first, "已更换主板", None, "sup-1", repo, NOW)
    assert decision["complaint_ids"] == ["a", "b", "c", "d"] and repo.events[-1].type == "incident.resolved"
    with pytest.raises(IncidentClosed):
        await incidents.resolve_incident(first, "again", None, "sup-1", repo, NOW)
    # a new wave after the resolution becomes a new incident, not a link to the closed one
    wave = WindowCount(at - 300, at + 300, ("a", "b", "c", "d", "e", "f", "g"))
    second = await incidents.on_fault_windows(report("g"), [wave], policy, repo, NOW)
    assert second not in (None, first) and await repo.children(second) == ["e", "f", "g"]
