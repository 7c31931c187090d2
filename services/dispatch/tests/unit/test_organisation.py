"""Organisation changes and checks (pure), and the change handler with an in-memory repository."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from pm_common import topics
from pm_common.events import Envelope, parse_payload
from pm_common.org import OrgTeam
from pm_dispatch.adapters.org_demo import DEMO_ESTATES, demo_organisation
from pm_dispatch.domain import organisation_changes as changes
from pm_dispatch.domain.organisation import Organisation, WorkContact
from pm_dispatch.domain.organisation_errors import InvalidOrganisation, ItemNotFound, VersionMismatch
from pm_dispatch.domain.organisation_input import OrganisationIn
from pm_dispatch.service_layer.organisation import change_organisation, handler_contact

pytestmark = pytest.mark.unit
NOW = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)


class FakeOrgRepository:
    def __init__(self) -> None:
        self.orgs: dict[str, Organisation] = {}
        self.events: list[tuple[str, Envelope]] = []

    async def get(self, estate_id: str) -> Organisation | None:
        return self.orgs.get(estate_id)

    async def save(self, org: Organisation, event: tuple[str, Envelope]) -> bool:
        current = self.orgs.get(org.estate_id)
        if (current.version if current else 0) != org.version - 1:
            return False
        self.orgs[org.estate_id] = org
        self.events.append(event)
        return True

    async def estate_of(self, person_id: str) -> str | None:
        return next((e for e, o in self.orgs.items() if o.person(person_id)), None)


def demo_sections(estate: str = "SUNNY") -> dict:
    return OrganisationIn.model_validate(demo_organisation(estate)).sections()


def test_every_demo_organisation_is_consistent() -> None:
    for estate in DEMO_ESTATES:
        org = Organisation(estate_id=estate).changed(demo_sections(estate), NOW, "seed")
        assert org.version == 1 and org.control_room() is not None and len(org.contacts) == len(org.people)
        assert "phone" not in org.snapshot().model_dump_json()  # contacts never reach the snapshot


def test_inconsistent_organisation_lists_every_problem_bilingually() -> None:
    sections = demo_sections()
    sections["teams"] = [t for t in sections["teams"] if t.team_id != "env"]  # still used by people and a rule
    sections["teams"].append(
        OrgTeam(team_id="ctl2", name_zh="第二中控", department="control_room", kind="control_room")
    )
    with pytest.raises(InvalidOrganisation) as caught:
        Organisation(estate_id="SUNNY").changed(sections, NOW, "admin")
    fields = {p.field for p in caught.value.problems}
    assert {"teams", "people.3.team_ids", "duty_rules.3.team_id", "routing_rules.4.team_id"} <= fields
    assert all(p.reason and p.reason_en for p in caught.value.problems)


def test_contact_values_are_validated() -> None:
    with pytest.raises(ValidationError, match="phone number is malformed"):
        WorkContact(phone="call me")
    assert WorkContact(phone="+86-138-0013-8000".replace("-", ""), email="a@b.cn").email == "a@b.cn"


def test_removing_a_person_takes_their_contact_and_shifts_along() -> None:
    org = Organisation(estate_id="SUNNY").changed(demo_sections(), NOW, "admin")
    after = org.changed(changes.remove_person("sunny-eng1")(org), NOW, "admin")
    assert after.person("sunny-eng1") is None and "sunny-eng1" not in after.contacts
    assert all(r.person_id != "sunny-eng1" for r in after.duty_rules) and after.version == 2
    with pytest.raises(ItemNotFound):
        changes.remove_person("nobody")(after)


async def test_one_change_one_event_and_a_repeat_changes_nothing() -> None:
    repo = FakeOrgRepository()
    org, changed = await change_organisation(repo, "SUNNY", changes.replace_all(demo_sections()), "admin-1", NOW)
    assert changed and org.version == 1
    again, changed_again = await change_organisation(
        repo, "SUNNY", changes.replace_all(demo_sections()), "admin-1", NOW
    )
    assert not changed_again and again.version == 1 and len(repo.events) == 1
    topic, event = repo.events[0]
    payload = parse_payload(event)
    assert topic == topics.ORG_CHANGED and event.subject == "SUNNY" and payload.version == 1  # type: ignore[attr-defined]
    team = OrgTeam(team_id="gd", name_zh="绿化班", department="cleaning_greening")
    org2, _ = await change_organisation(repo, "SUNNY", changes.put_team(team), "admin-1", NOW)
    assert org2.version == 2 and len(repo.events) == 2 and parse_payload(repo.events[1][1]).version == 2  # type: ignore[attr-defined]


async def test_if_match_refuses_a_stale_edit() -> None:
    repo = FakeOrgRepository()
    await change_organisation(repo, "SUNNY", changes.replace_all(demo_sections()), "admin-1", NOW)
    with pytest.raises(VersionMismatch):
        await change_organisation(repo, "SUNNY", changes.set_timezone("Asia/Urumqi"), "a", NOW, expected_version=0)


async def test_a_concurrent_writer_makes_the_change_reapply_on_the_newer_version() -> None:
    repo = FakeOrgRepository()
    await change_organisation(repo, "SUNNY", changes.replace_all(demo_sections()), "admin-1", NOW)
    first = repo.orgs["SUNNY"]
    raced = False

    def racing_change(org: Organisation) -> dict:
        nonlocal raced
        if not raced:  # someone else writes version 2 between our read and our save
            raced = True
            repo.orgs["SUNNY"] = first.changed(changes.set_timezone("Asia/Urumqi")(first), NOW, "other")
        return changes.put_team(OrgTeam(team_id="gd", name_zh="绿化班", department="cleaning_greening"))(org)

    org, changed = await change_organisation(repo, "SUNNY", racing_change, "admin-1", NOW)
    assert changed and org.version == 3 and org.timezone == "Asia/Urumqi" and org.team("gd") is not None


async def test_handler_contact_for_the_task_sheet() -> None:
    repo = FakeOrgRepository()
    await change_organisation(repo, "SUNNY", changes.replace_all(demo_sections()), "admin-1", NOW)
    person = await handler_contact(repo, "SUNNY", person_id="sunny-eng1")
    assert person is not None and person.phone == "13800000000"
    contractor = await handler_contact(repo, "SUNNY", contractor_id="c-lift")
    assert contractor is not None and contractor.contact_name == "值班调度"
    assert await handler_contact(repo, "JADE", person_id="sunny-eng1") is None
