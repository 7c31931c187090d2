"""The changes an administrator makes to an organisation, as pure functions
``Organisation -> {section: new value}`` (applied and checked by ``Organisation.changed``)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from pm_common.org import Contractor, DutyOverride, DutyRule, OrgPerson, OrgTeam
from pm_dispatch.domain.organisation import Organisation, RoutingRule, WorkContact
from pm_dispatch.domain.organisation_errors import ItemNotFound

Change = Callable[[Organisation], dict[str, Any]]

KINDS = {
    "teams": ("班组", "team", "team_id"),
    "people": ("人员", "person", "person_id"),
    "contractors": ("外包单位", "contractor", "contractor_id"),
    "routing_rules": ("派单规则", "routing rule", "rule_id"),
}


def _upsert(items: list[Any], key: str, item: Any) -> list[Any]:
    """Replace the item with the same key in place, or append it."""
    ident = getattr(item, key)
    if any(getattr(i, key) == ident for i in items):
        return [item if getattr(i, key) == ident else i for i in items]
    return [*items, item]


def _without(org: Organisation, section: str, item_id: str) -> list[Any]:
    kind_zh, kind_en, key = KINDS[section]
    items: list[Any] = getattr(org, section)
    if not any(getattr(i, key) == item_id for i in items):
        raise ItemNotFound(kind_zh, kind_en, item_id)
    return [i for i in items if getattr(i, key) != item_id]


def replace_all(sections: dict[str, Any]) -> Change:
    """The whole organisation at once (missing sections become empty)."""
    return lambda _: sections


def put_team(team: OrgTeam) -> Change:
    return lambda org: {"teams": _upsert(org.teams, "team_id", team)}


def remove_team(team_id: str) -> Change:
    """Refused (by the check) while people, shifts or routing rules still refer to the team."""
    return lambda org: {"teams": _without(org, "teams", team_id)}


def put_person(person: OrgPerson, contact: WorkContact | None) -> Change:
    def change(org: Organisation) -> dict[str, Any]:
        contacts = {k: v for k, v in org.contacts.items() if k != person.person_id}
        if contact is not None:
            contacts[person.person_id] = contact
        return {"people": _upsert(org.people, "person_id", person), "contacts": contacts}

    return change


def remove_person(person_id: str) -> Change:
    """The person, their contact, shifts and overrides go together."""

    def change(org: Organisation) -> dict[str, Any]:
        return {
            "people": _without(org, "people", person_id),
            "contacts": {k: v for k, v in org.contacts.items() if k != person_id},
            "duty_rules": [r for r in org.duty_rules if r.person_id != person_id],
            "overrides": [o for o in org.overrides if o.person_id != person_id],
        }

    return change


def set_duty_rules(person_id: str, rules: list[DutyRule]) -> Change:
    """Replace one person's recurring shifts (rules of other people stay)."""

    def change(org: Organisation) -> dict[str, Any]:
        if org.person(person_id) is None:
            raise ItemNotFound("人员", "person", person_id)
        mine = [r.model_copy(update={"person_id": person_id}) for r in rules]
        return {"duty_rules": [r for r in org.duty_rules if r.person_id != person_id] + mine}

    return change


def add_override(override: DutyOverride) -> Change:
    """Leave or an extra shift on one day; replaces an override of the same person, day and role."""

    def change(org: Organisation) -> dict[str, Any]:
        same = (override.person_id, override.day, override.role)
        kept = [o for o in org.overrides if (o.person_id, o.day, o.role) != same]
        return {"overrides": [*kept, override]}

    return change


def remove_overrides(person_id: str, day: date) -> Change:
    def change(org: Organisation) -> dict[str, Any]:
        kept = [o for o in org.overrides if not (o.person_id == person_id and o.day == day)]
        if len(kept) == len(org.overrides):
            raise ItemNotFound("排班调整", "override", f"{person_id}@{day.isoformat()}")
        return {"overrides": kept}

    return change


def put_contractor(contractor: Contractor, contact: WorkContact | None) -> Change:
    def change(org: Organisation) -> dict[str, Any]:
        contacts = {k: v for k, v in org.contractor_contacts.items() if k != contractor.contractor_id}
        if contact is not None:
            contacts[contractor.contractor_id] = contact
        return {"contractors": _upsert(org.contractors, "contractor_id", contractor), "contractor_contacts": contacts}

    return change


def remove_contractor(contractor_id: str) -> Change:
    def change(org: Organisation) -> dict[str, Any]:
        return {
            "contractors": _without(org, "contractors", contractor_id),
            "contractor_contacts": {k: v for k, v in org.contractor_contacts.items() if k != contractor_id},
        }

    return change


def put_rule(rule: RoutingRule) -> Change:
    return lambda org: {"routing_rules": _upsert(org.routing_rules, "rule_id", rule)}


def remove_rule(rule_id: str) -> Change:
    return lambda org: {"routing_rules": _without(org, "routing_rules", rule_id)}


def set_timezone(timezone: str) -> Change:
    return lambda _: {"timezone": timezone}
