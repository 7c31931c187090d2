"""Who may do what at intake: the permission table (role × action) every staff route uses.

Row-level rules stay in the handlers on top of it: the estate scope of the token (every read and
write), the owner's own items (owner tokens), an integration key's estates and channels. Which
stored items a staff member may see at all is ``sees`` / ``ledger_reader`` below: the estate scope
and the 被投诉人 rule (``pm_common.subjects``) — an item naming the caller among its
``subject_staff_ids`` is a 404 and absent from the ledger, for every role. Owners'
routes (``/v1/owner``) and Open311 authenticate with their own credentials, not with these roles.
Checked role × route by ``tests/integration/test_authorization_matrix.py``; the table per role is
in docs/security.md.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pm_common.auth import Principal, Role
from pm_common.permissions import check, requirement, roles
from pm_common.subjects import may_see
from pm_intake.domain.access import REVEAL_ROLES

READERS = roles("front_desk", "supervisor", "project_manager", "handler", "leadership")

PERMISSIONS: dict[str, frozenset[Role]] = {
    # file an item on any channel (staff token, or an integration's token / API key)
    "complaint.file": roles("front_desk", "supervisor", "project_manager", "integration"),
    "complaint.readback.confirm": roles("front_desk", "supervisor", "project_manager"),
    "complaint.note": roles("front_desk", "supervisor", "project_manager", "handler"),
    # name the staff a complaint is about (被投诉人): at registration (in the body of a filing) …
    "complaint.subjects.register": roles("front_desk", "supervisor", "project_manager"),
    # … and later, audited (PUT /v1/complaints/{id}/subjects)
    "complaint.subjects.edit": roles("supervisor", "project_manager"),
    # the ledger and an item (personal data masked); not contractors, integrations or the admin
    "complaint.read": READERS,
    # the owner's full name / phone / e-mail, audited (domain rule: pm_intake.domain.access)
    "complaint.reveal": frozenset(REVEAL_ROLES),  # type: ignore[arg-type]
    "complaint.audit.read": roles("supervisor", "project_manager", "leadership"),
    # integration keys (an estate-scoped admin manages keys of its own estates only)
    "integration.manage": roles("admin"),
    # an owner's clear contact at delivery time: integration tokens only, and of those only the
    # notifier's service identity (checked in routes_internal.py, audited)
    "complaint.contact.internal": roles("integration"),
}


def permit(staff: Principal, action: str) -> None:
    """The bilingual 403 unless ``staff`` may perform ``action``."""
    check(PERMISSIONS, staff, action)


def allowed(action: str) -> Any:
    """Dependency of a route's staff parameter: ``staff: Annotated[Principal, allowed("complaint.read")]``."""
    return requirement(PERMISSIONS, action)


def sees(staff: Principal) -> Callable[[dict[str, Any]], bool]:
    """Whether ``staff`` may see a stored item at all (else: 404, as if it did not exist)."""
    return lambda doc: may_see(staff, doc["estate_id"], doc.get("subject_staff_ids"))


def ledger_reader(staff: Principal) -> str:
    """The staff id the ledger hides items from (those naming it among their subjects)."""
    return staff.sub
