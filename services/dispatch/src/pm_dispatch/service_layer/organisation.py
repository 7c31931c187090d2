"""Organisation use cases: change an estate's organisation (one write carrying ``org.changed``),
and the audited staff-contact lookup for the notifier."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Protocol

from pm_common import topics
from pm_common.auth import Principal
from pm_common.events import Envelope, new_event
from pm_common.events.org import OrgChanged
from pm_common.org import OrgPerson
from pm_dispatch.domain.assignment import Router
from pm_dispatch.domain.organisation import ContactLookup, Organisation, WorkContact
from pm_dispatch.domain.organisation_changes import Change
from pm_dispatch.domain.organisation_errors import EstateNotVisible, ItemNotFound, OrgError, VersionMismatch

SOURCE = "pm/dispatch"
ATTEMPTS = 20


class OrgRepository(Protocol):
    async def get(self, estate_id: str) -> Organisation | None: ...

    async def save(self, org: Organisation, event: tuple[str, Envelope]) -> bool:
        """Store ``org`` (version n) if the stored one is still at n - 1 (none for n = 1), together
        with ``event`` in its outbox, in one single-document write. ``False``: someone else wrote first."""
        ...

    async def estate_of(self, person_id: str) -> str | None:
        """The estate whose organisation lists this person (for lookups without an estate id)."""
        ...


class ContactAudit(Protocol):
    async def record(self, entry: ContactLookup) -> None: ...

    async def of_person(self, person_id: str, limit: int) -> list[ContactLookup]:
        """The latest lookups of one person's contact, newest first."""
        ...


class Busy(OrgError):
    code = "busy"

    def __init__(self) -> None:
        super().__init__("组织架构正被频繁修改，请稍后重试", "the organisation keeps changing; retry shortly")


def changed_event(org: Organisation, now: datetime) -> tuple[str, Envelope]:
    payload = OrgChanged.model_validate(org.snapshot().model_dump())
    return topics.ORG_CHANGED, new_event(payload, source=SOURCE, estate_id=org.estate_id, now=now)


async def change_organisation(
    repo: OrgRepository,
    estate_id: str,
    change: Change,
    actor: str,
    now: datetime,
    expected_version: int | None = None,
) -> tuple[Organisation, bool]:
    """Apply ``change`` to the current organisation and store it with its ``org.changed`` event.

    Returns the organisation after the call and whether it changed: a change that alters nothing
    (e.g. the same PUT repeated) writes nothing and publishes nothing. Concurrent changes of other
    parts are re-applied on the newer version; with ``expected_version`` (``If-Match``) a newer
    stored version is refused instead."""
    for _ in range(ATTEMPTS):
        current = await repo.get(estate_id) or Organisation(estate_id=estate_id)
        if expected_version is not None and current.version != expected_version:
            raise VersionMismatch(expected_version, current.version)
        updated = current.changed(change(current), now, actor)
        if current.version and updated.content() == current.content():
            return current, False
        if await repo.save(updated, changed_event(updated, now)):
            return updated, True
    raise Busy()


async def get_organisation(repo: OrgRepository, estate_id: str) -> Organisation | None:
    return await repo.get(estate_id)


async def lookup_contact(
    repo: OrgRepository,
    audit: ContactAudit,
    *,
    person_id: str,
    estate_id: str | None,
    caller: Principal,
    reason: str,
    event_id: str | None,
    now: datetime,
) -> tuple[OrgPerson, WorkContact, str]:
    """A staff member's work contact, for delivering one notification; every lookup is recorded
    (who asked, when, for whom, why / for which event), including the ones that find nothing."""
    estate = estate_id or await repo.estate_of(person_id)
    org = await repo.get(estate) if estate else None
    person = org.person(person_id) if org else None
    contact = org.contacts.get(person_id) if org else None
    outcome: Literal["served", "not_found", "refused"] = "served" if person and contact else "not_found"
    if estate is not None and not caller.can_see(estate):
        outcome = "refused"
    entry = ContactLookup(uuid.uuid4().hex, now, caller.sub, caller.role, person_id, estate, reason, event_id, outcome)
    await audit.record(entry)
    if outcome == "refused":
        raise EstateNotVisible()
    if person is None or contact is None or estate is None:
        raise ItemNotFound("人员联系方式", "contact of person", person_id)
    return person, contact, estate


async def record_refusal(
    audit: ContactAudit, *, person_id: str, caller: str, role: str, reason: str, event_id: str | None, now: datetime
) -> None:
    await audit.record(ContactLookup(uuid.uuid4().hex, now, caller, role, person_id, None, reason, event_id, "refused"))


@dataclass(frozen=True, slots=True)
class OrgPorts:
    """What the organisation routes need (built in bootstrap, kept in ``runtime.state["org"]``)."""

    repo: OrgRepository
    audit: ContactAudit
    router: Router


async def handler_contact(
    repo: OrgRepository, estate_id: str, *, person_id: str | None = None, contractor_id: str | None = None
) -> WorkContact | None:
    """The work contact of a task's handler (person or contractor), for the task sheet's
    "handler contact" shown to staff inside dispatch (not the audited notifier path)."""
    org = await repo.get(estate_id)
    if org is None:
        return None
    if person_id is not None:
        return org.contacts.get(person_id)
    return org.contractor_contacts.get(contractor_id) if contractor_id is not None else None
