"""Pure routing over the demo organisation (fakes for the organisation source and the workload)."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from pm_common.org import DutyOverride
from pm_dispatch.adapters.org_demo import demo_organisation
from pm_dispatch.domain.assignment import RoutingRequest
from pm_dispatch.domain.organisation import Organisation
from pm_dispatch.domain.organisation_errors import ItemNotFound, OrganisationNotFound
from pm_dispatch.domain.organisation_input import OrganisationIn
from pm_dispatch.domain.routing_skills import skills_for
from pm_dispatch.service_layer.routing import OrgRouter

pytestmark = pytest.mark.unit
SH = ZoneInfo("Asia/Shanghai")
TUESDAY_10 = datetime(2026, 12, 1, 10, 0, tzinfo=SH)
WEDNESDAY_3AM = datetime(2026, 12, 2, 3, 0, tzinfo=SH)
NATIONAL_DAY_10 = datetime(2026, 10, 1, 10, 0, tzinfo=SH)  # statutory holiday (Thursday)
MAKEUP_SATURDAY_10 = datetime(2026, 10, 10, 10, 0, tzinfo=SH)  # 调休: a working Saturday
SUNDAY_10 = datetime(2026, 10, 11, 10, 0, tzinfo=SH)


def org(estate: str = "SUNNY", **changes: object) -> Organisation:
    sections = OrganisationIn.model_validate(demo_organisation(estate)).sections()
    return Organisation(estate_id=estate).changed({**sections, **changes}, TUESDAY_10, "admin")


class FakeOrgs:
    def __init__(self, *orgs: Organisation) -> None:
        self.orgs = {o.estate_id: o for o in orgs}

    async def get(self, estate_id: str) -> Organisation | None:
        return self.orgs.get(estate_id)


class FakeWorkload:
    def __init__(self, counts: dict[str, int] | None = None) -> None:
        self.counts = counts or {}
        self.asked: list[list[str]] = []

    async def open_counts(self, person_ids: list[str]) -> dict[str, int]:
        self.asked.append(list(person_ids))
        return {p: self.counts[p] for p in person_ids if p in self.counts}


def req(
    at: datetime,
    category: str = "engineering",
    urgency: str = "general",
    skills: tuple[str, ...] = (),
    exclude: tuple[str, ...] = (),
    estate: str = "SUNNY",
    building: str | None = None,
) -> RoutingRequest:
    return RoutingRequest(
        estate_id=estate,
        task_id="T-1",
        category=category,
        urgency=urgency,
        scope="unit",
        grade=None,
        building=building,
        area=None,
        at=at,
        skills=skills,
        exclude=exclude,
    )


async def route(
    request: RoutingRequest, organisation: Organisation | None = None, counts: dict[str, int] | None = None
):
    return await OrgRouter(FakeOrgs(organisation or org()), FakeWorkload(counts)).route(request)


async def test_rule_by_category_picks_the_team_on_duty() -> None:
    chosen = await route(req(TUESDAY_10, category="cleaning_greening"))
    assert (chosen.kind, chosen.team_id, chosen.person_id, chosen.rule_id) == (
        "person",
        "env",
        "sunny-env1",
        "environment",
    )
    assert chosen.name == "陈丽" and "environment" in chosen.reason


async def test_least_open_tasks_wins_and_ties_are_broken_by_person_id() -> None:
    assert (await route(req(TUESDAY_10))).person_id == "sunny-eng1"  # 0 vs 0: person id
    busy = await route(req(TUESDAY_10), counts={"sunny-eng1": 3, "sunny-eng2": 1})
    assert busy.person_id == "sunny-eng2" and "1 open" in busy.reason


async def test_skill_comes_before_load() -> None:
    chosen = await route(req(TUESDAY_10, urgency="urgent", skills=("lift",)), counts={"sunny-eng1": 9})
    assert (chosen.person_id, chosen.rule_id) == ("sunny-eng1", "lift-urgent")  # the only lift engineer on duty


async def test_lift_entrapment_at_3am_reaches_the_control_room_on_duty() -> None:
    chosen = await route(req(WEDNESDAY_3AM, urgency="urgent", skills=("lift",)))
    assert (chosen.kind, chosen.team_id, chosen.person_id, chosen.name) == ("control_room", "ctl", "sunny-ctl2", "赵磊")
    assert chosen.rule_id == "lift-urgent" and "中控室" in chosen.reason


async def test_statutory_holiday_uses_the_rest_day_roster() -> None:
    chosen = await route(req(NATIONAL_DAY_10, urgency="urgent", skills=("lift",)))
    assert chosen.person_id == "sunny-eng3"  # 周海 works rest days (weekends and statutory holidays)
    assert (await route(req(SUNDAY_10))).person_id == "sunny-eng3"


async def test_makeup_working_saturday_uses_the_working_day_roster() -> None:
    chosen = await route(req(MAKEUP_SATURDAY_10))
    assert chosen.person_id == "sunny-eng1"  # 2026-10-10 is a 调休 working day: the weekday staff work


async def test_contractor_within_contract_hours_else_control_room() -> None:
    lift = await route(req(WEDNESDAY_3AM, skills=("lift",)))  # not urgent: the lift contractor, 24 h
    assert (lift.kind, lift.contractor_id, lift.rule_id) == ("contractor", "c-lift", "lift")
    fire = await route(req(TUESDAY_10, category="security_order", skills=("fire",)))
    assert (fire.kind, fire.contractor_id) == ("contractor", "c-fire-sunny")
    night = await route(req(datetime(2026, 12, 1, 22, 0, tzinfo=SH), skills=("fire",)))
    assert (night.kind, night.person_id) == ("control_room", "sunny-ctl2")  # outside the fire contract's hours
    holiday = await route(req(NATIONAL_DAY_10, skills=("fire",)))
    assert (holiday.kind, holiday.person_id) == ("control_room", "sunny-ctl1")


async def test_returned_task_never_goes_back_to_the_returning_team_or_person() -> None:
    other = await route(req(TUESDAY_10, exclude=("sunny-eng1",)))
    assert other.person_id == "sunny-eng2"
    elsewhere = await route(req(TUESDAY_10, category="cleaning_greening", exclude=("env",)))
    assert elsewhere.team_id != "env" and elsewhere.kind == "control_room"


async def test_leave_and_extra_shift_overrides() -> None:
    leave = DutyOverride(person_id="sunny-eng1", role="handler", day=date(2026, 12, 1), on_duty=False)
    on_leave = org(overrides=[leave])
    assert (await route(req(TUESDAY_10), on_leave)).person_id == "sunny-eng2"
    extra = DutyOverride(person_id="sunny-eng2", role="handler", day=date(2026, 10, 11), team_id="eng")
    chosen = await route(req(SUNDAY_10), org(overrides=[extra]), counts={"sunny-eng3": 2})
    assert chosen.person_id == "sunny-eng2"  # on an extra shift and less loaded than the rest-day engineer


async def test_building_rule_has_priority() -> None:
    base = org()
    rule = base.routing_rules[4].model_copy(
        update={"rule_id": "b3-env", "priority": 5, "buildings": ["3"], "team_id": "cs"}
    )
    special = base.changed({"routing_rules": [*base.routing_rules, rule]}, TUESDAY_10, "admin")
    assert (await route(req(TUESDAY_10, category="cleaning_greening", building="3"), special)).team_id == "cs"
    assert (await route(req(TUESDAY_10, category="cleaning_greening", building="5"), special)).team_id == "env"


async def test_nobody_on_duty_anywhere_assigns_the_team() -> None:
    bare = org(duty_rules=[])
    chosen = await route(req(WEDNESDAY_3AM), bare)
    assert (chosen.kind, chosen.team_id, chosen.person_id) == ("team", "eng", None)


async def test_workload_is_asked_only_for_the_candidates() -> None:
    workload = FakeWorkload()
    await OrgRouter(FakeOrgs(org()), workload).route(req(TUESDAY_10))
    assert workload.asked == [["sunny-eng1", "sunny-eng2"]]
    await OrgRouter(FakeOrgs(org()), workload).route(req(TUESDAY_10, skills=("lift",)))  # contractor: no count
    assert len(workload.asked) == 1


async def test_estate_without_organisation_falls_back_to_the_department_map() -> None:
    chosen = await OrgRouter(FakeOrgs(org()), FakeWorkload()).route(req(TUESDAY_10, estate="ELSEWHERE"))
    assert (chosen.kind, chosen.department, chosen.person_id) == ("team", "engineering", None)


def test_skills_are_read_from_the_matter() -> None:
    assert skills_for("3号楼电梯困人了，快来人") == ("lift",)
    assert skills_for("楼道烟感一直报警", None, "顺便说下水管漏水") == ("fire", "plumbing")
    assert skills_for("物业费收费标准不合理") == ()


async def test_the_lift_entrapment_text_reaches_the_control_room_at_night() -> None:
    chosen = await route(req(WEDNESDAY_3AM, urgency="urgent", skills=skills_for("电梯困人")))
    assert (chosen.kind, chosen.person_id) == ("control_room", "sunny-ctl2")


async def test_manual_assignment_is_checked_against_the_organisation() -> None:
    router = OrgRouter(FakeOrgs(org()), FakeWorkload())
    person = await router.manual("SUNNY", person_id="sunny-eng3", reason="熟悉该楼栋")
    assert (person.kind, person.team_id, person.department, person.name) == ("person", "eng", "engineering", "周海")
    assert "manual: 熟悉该楼栋" in person.reason  # off duty does not matter for a manual assignment
    contractor = await router.manual("SUNNY", contractor_id="c-lift", team_id="eng", reason="维保合同")
    assert (contractor.kind, contractor.contractor_id, contractor.department) == ("contractor", "c-lift", "engineering")
    team = await router.manual("SUNNY", team_id="sec", reason="治安")
    assert (team.kind, team.team_id, team.person_id) == ("team", "sec", None)
    with pytest.raises(ItemNotFound):
        await router.manual("SUNNY", person_id="nobody", reason="x")
    with pytest.raises(OrganisationNotFound):
        await router.manual("ELSEWHERE", team_id="sec", reason="x")
