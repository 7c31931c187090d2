"""Who may do what at triage: the permission table (role × action) every route uses.

Triage records hold the complaint text and the household, so they are read only by the people
who handle complaints (not contractors, integrations or the admin); configuration is the
supervisors'. Row-level rules stay in the handlers on top of it: the token's estate scope on
every record, incident and estate, and the 被投诉人 rule (``sees`` below, ``pm_common.subjects``):
a record naming the caller among its ``subject_staff_ids`` is a 404 and absent from every list,
whatever the role. Checked role × route by
``tests/integration/test_authorization_matrix.py``; the table per role is in docs/security.md.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pm_common.auth import Principal, Role
from pm_common.permissions import check, requirement, roles
from pm_common.subjects import is_subject, may_see

SUPERVISORS = roles("supervisor", "project_manager")

PERMISSIONS: dict[str, frozenset[Role]] = {
    "triage.classify": roles("front_desk", "supervisor", "project_manager"),  # preview while filing
    "triage.read": roles("front_desk", "supervisor", "project_manager", "handler", "leadership"),
    "triage.review.queue": SUPERVISORS,
    "triage.review": SUPERVISORS,
    "triage.review.history": SUPERVISORS | roles("leadership"),
    "lexicon.read": SUPERVISORS,
    "lexicon.write": SUPERVISORS,
    "incident.read": SUPERVISORS | roles("front_desk", "leadership"),
    "incident.review": SUPERVISORS | roles("leadership"),
    "incident.resolve": SUPERVISORS | roles("leadership"),
}


def permit(staff: Principal, action: str) -> None:
    """The bilingual 403 unless ``staff`` may perform ``action``."""
    check(PERMISSIONS, staff, action)


def allowed(action: str) -> Any:
    """Dependency of a route's staff parameter: ``principal: Annotated[Principal, allowed("triage.read")]``."""
    return requirement(PERMISSIONS, action)


def sees(principal: Principal) -> Callable[[dict[str, Any]], bool]:
    """Whether ``principal`` may see a triage record (or a review of one) at all; else 404 / left out."""
    return lambda doc: may_see(principal, doc["estate_id"], doc.get("subject_staff_ids"))


def about(principal: Principal, doc: dict[str, Any] | None) -> bool:
    """Whether a stored triage record is about ``principal`` (so its id is left out of incidents)."""
    return doc is not None and is_subject(principal.sub, doc.get("subject_staff_ids"))
