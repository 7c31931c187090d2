"""Paging chains on the roster, escalation timing, return-visit sampling and rounds, signed links."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from pm_common.org import DutyRule, OrgPerson, OrgSnapshot
from pm_notifier.domain import followup, paging
from pm_notifier.domain.links import BadLink, LinkSigner

pytestmark = pytest.mark.unit
T0 = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)  # a Tuesday, 10:00 in Shanghai


def snapshot() -> OrgSnapshot:
    people = [
        OrgPerson(person_id=p, name=p, roles=[r])  # type: ignore[list-item]
        for p, r in (("h-a", "handler"), ("h-b", "handler"), ("s-1", "supervisor"), ("m-1", "duty_manager"))
    ]
    rules = [
        DutyRule(person_id="h-a", role="handler", days="all", start="08:00", end="20:00"),
        DutyRule(person_id="h-b", role="handler", days="all", start="08:00", end="20:00"),
        DutyRule(person_id="s-1", role="supervisor", days="all", start="00:00", end="00:00"),
        DutyRule(person_id="m-1", role="duty_manager", days="all", start="20:00", end="08:00"),  # night only
    ]
    return OrgSnapshot(estate_id="E", version=1, people=people, duty_rules=rules, updated_at=T0)


def test_a_page_reaches_the_first_on_duty_of_each_chain_then_escalates_in_roster_order() -> None:
    chains = paging.new_page(snapshot(), T0)
    assert chains["handler"]["people"] == ["h-a", "h-b", "s-1"]
    assert "duty_manager" not in chains  # nobody on duty in the day: no duty-manager chain
    page = {"chains": chains, "acknowledged_by": None}
    assert [s.person_id for s in paging.first_steps(chains)] == ["h-a"]
    assert paging.escalations(page, T0 + timedelta(minutes=4), 5) == []
    steps = paging.escalations(page, T0 + timedelta(minutes=5), 5)
    assert [(s.chain, s.index, s.person_id) for s in steps] == [("handler", 1, "h-b")]
    assert paging.next_check(page, 5) == T0 + timedelta(minutes=5)
    night = paging.new_page(snapshot(), T0 + timedelta(hours=12))
    assert night["duty_manager"]["people"] == ["m-1"] and night["handler"]["people"] == ["s-1"]


def test_acknowledgement_stops_escalation_and_only_paged_people_may_acknowledge() -> None:
    page = {"chains": paging.new_page(snapshot(), T0), "acknowledged_by": None}
    with pytest.raises(paging.NotPaged):
        paging.check_may_acknowledge(page, "h-b")
    paging.check_may_acknowledge(page, "h-a")
    with pytest.raises(paging.PageNotFound):
        paging.check_may_acknowledge(None, "h-a")
    page["acknowledged_by"] = "h-a"
    assert paging.escalations(page, T0 + timedelta(hours=1), 5) == [] and paging.next_check(page, 5) is None


def test_sampling_is_deterministic_and_configurable_per_category() -> None:
    policy = followup.SamplingPolicy(default_rate=0.5, by_category=(("engineering", 1.0),))
    assert policy.rate_for("engineering") == 1.0 and policy.rate_for("cleaning_greening") == 0.5
    picks = [followup.sampled(f"c-{i}", 1, 0.5) for i in range(400)]
    assert picks == [followup.sampled(f"c-{i}", 1, 0.5) for i in range(400)]
    assert 150 < sum(picks) < 250
    assert all(followup.sampled(f"c-{i}", 1, 1.0) for i in range(50))
    assert not any(followup.sampled(f"c-{i}", 1, 0.0) for i in range(50))


def test_rounds_a_redelivered_verification_starts_no_second_round() -> None:
    assert followup.needs_new_round(None, "evt-1")
    rnd = followup.new_round(1, "evt-1", "T-1", T0, True, T0, T0)
    doc = {"rounds": [rnd]}
    assert not followup.needs_new_round(doc, "evt-1")  # the same event again
    assert not followup.needs_new_round(doc, "evt-2")  # the round is still open
    rnd["outcome"] = "dissatisfied"
    assert followup.needs_new_round(doc, "evt-2") and not followup.needs_new_round(doc, "evt-1")
    assert followup.outcome_from_survey({"sampled": False}, 4) == "satisfied"
    assert followup.outcome_from_survey({"sampled": False}, 3) == "dissatisfied"
    assert followup.outcome_from_survey({"sampled": True}, 5) is None  # customer service still calls
    with pytest.raises(followup.InvalidScore):
        followup.check_score(6)


def test_signed_links_carry_purpose_reference_and_expiry() -> None:
    signer = LinkSigner("secret")
    token = signer.sign("survey", "c-1", "2", 2_000_000_000)
    assert signer.verify("survey", token, 1_900_000_000) == ("c-1", "2")
    with pytest.raises(BadLink):
        signer.verify("ack", token, 1_900_000_000)  # another purpose
    with pytest.raises(BadLink):
        signer.verify("survey", token, 2_100_000_000)  # expired
    with pytest.raises(BadLink):
        LinkSigner("other").verify("survey", token, 1_900_000_000)
    with pytest.raises(BadLink):
        signer.verify("survey", token[:-2] + "xx", 1_900_000_000)
