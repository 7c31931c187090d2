"""Pure rules: acceptance / non-acceptance, household history, fault grouping, incident windows."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from pm_triage.domain.acceptance import AcceptancePolicy, assess
from pm_triage.domain.duplicates import EarlierItem, HistoryMatch, HistoryPolicy, household_key, match_history
from pm_triage.domain.grouping import FacilityCatalog, fault_key, fault_place, split_fault_key
from pm_triage.domain.incidents import (
    IncidentPolicy,
    WindowCount,
    add_member,
    counts_toward_incident,
    crossing,
    incident_id,
    overlaps,
)

pytestmark = pytest.mark.unit
POLICY = AcceptancePolicy(review_confidence=0.6, auto_reject_confidence=0.7)


def decide(**overrides):  # type: ignore[no-untyped-def]
    values = {
        "urgency": "general",
        "confidence": 0.9,
        "out_of_scope_reason": None,
        "referral": None,
        "anonymous": False,
        "has_contact": True,
        "history": None,
        "policy": POLICY,
    }
    return assess(**{**values, **overrides})


def test_clear_evidence_refuses_automatically_with_the_reason_and_referral() -> None:
    assert decide(out_of_scope_reason="in_litigation").decision == "rejected"
    outside = decide(out_of_scope_reason="outside_duties", referral="请联系运营商", confidence=0.95)
    assert (outside.decision, outside.rejection_reason, outside.referral) == (
        "rejected",
        "outside_duties",
        "请联系运营商",
    )
    assert decide(out_of_scope_reason="no_facts", anonymous=True).rejection_reason == "no_facts"
    assert decide(out_of_scope_reason="no_facts", has_contact=False).decision == "rejected"
    repeat = decide(history=HistoryMatch("repeat", "c0", 0.97, True))
    assert (repeat.decision, repeat.rejection_reason) == ("rejected", "repeat")


def test_unclear_evidence_is_a_proposal_for_the_supervisor() -> None:
    weak = decide(out_of_scope_reason="outside_duties", referral="找厂家", confidence=0.56)
    assert weak.decision == "needs_review" and weak.rejection_reason == "outside_duties"
    assert weak.review_reasons == ("non_acceptance_proposal:outside_duties", "low_confidence")
    reachable = decide(out_of_scope_reason="no_facts")  # vague, but staff can call back
    assert reachable.decision == "needs_review" and reachable.review_reasons == ("non_acceptance_proposal:no_facts",)
    assert decide(history=HistoryMatch("repeat", "c0", 0.7, False)).decision == "needs_review"
    assert decide(confidence=0.4).review_reasons == ("low_confidence",)
    assert decide().decision == "accepted"


def test_urgent_items_are_never_held_or_refused() -> None:
    assert decide(urgency="urgent", out_of_scope_reason="in_litigation", confidence=0.1).decision == "accepted"


def test_household_key_needs_a_room_and_ignores_spelling() -> None:
    assert household_key("SUNNY", "3号楼", "2", "301") == household_key("SUNNY", " 3 ", "2", "301")
    assert household_key("SUNNY", "3", "2", None) is None


def test_history_links_duplicates_of_open_items_and_repeats_of_answered_ones() -> None:
    policy = HistoryPolicy()
    text = "卫生间天花板一直在渗水，麻烦派人看看"
    open_item = EarlierItem("c1", "卫生间天花板一直在渗水，麻烦派人看看！", "engineering", answered=False)
    answered = EarlierItem("c2", "卫生间天花板一直在渗水，麻烦派人看看", "engineering", answered=True)
    assert match_history(text, "engineering", [open_item], policy) == HistoryMatch("duplicate", "c1", 1.0, True)
    found = match_history(text, "engineering", [open_item, answered], policy)
    assert found is not None and (found.kind, found.complaint_id, found.clear) == ("repeat", "c2", True)
    new_facts = "卫生间天花板一直在渗水，上次修过以后现在连墙面插座都湿了，还有电线的焦糊味"
    weak = match_history(new_facts, "engineering", [answered], policy)
    assert weak is None or not weak.clear  # new facts: never an automatic repeat
    assert match_history("小区路灯坏了一排", "engineering", [answered], policy) is None


def test_fault_place_by_facility_level_building_and_area() -> None:
    catalog = FacilityCatalog.default()
    assert fault_place("3", None, "电梯又坏了", catalog) == "3号楼/电梯"
    assert fault_place(None, None, "5栋的电梯门打不开", catalog) == "5号楼/电梯"
    assert fault_place("3", None, "家里停水了", catalog) == "供水"  # estate-wide facility
    assert fault_place(None, "地下车库B区", "灯不亮", catalog) == "地下车库B区"
    assert fault_place(None, None, "服务态度太差", catalog) is None
    extended = FacilityCatalog.default({"facilities": {"estate": {"喷泉": "中心喷泉"}}})
    assert fault_place("2", None, "喷泉不喷水了", extended) == "中心喷泉"
    key = fault_key("SUNNY", "3号楼/电梯", "engineering")
    assert split_fault_key(key) == ("SUNNY", "3号楼/电梯", "engineering")


def test_windows_cross_the_threshold_once_per_distinct_complaint() -> None:
    members = add_member(add_member(add_member(None, "a"), "b"), "a")
    assert members == ["a", "b"]
    windows = [WindowCount(60.0, 659.9, ("a", "b")), WindowCount(0.0, 599.9, ("x", "a", "b"))]
    assert crossing(windows, 3) == windows[1]
    assert crossing(windows, 4) is None
    assert incident_id("K", 0.0, "x") == incident_id("K", 0.0, "x") != incident_id("K", 60.0, "x")
    assert counts_toward_incident("accepted", None, "K") and counts_toward_incident("needs_review", None, "K")
    assert not counts_toward_incident("rejected", None, "K") and not counts_toward_incident("accepted", "c0", "K")
    policy = IncidentPolicy(window_seconds=600)
    start = datetime.fromtimestamp(6000, UTC)
    assert overlaps(start, 6500, policy) and not overlaps(start, 6000 + 1300, policy)
