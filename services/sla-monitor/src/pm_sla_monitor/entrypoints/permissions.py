"""Who may do what on the SLA monitor's API: the permission table (role × action) every route uses.

Clocks and overdue lists carry no personal data (ids, stages, times, departments, staff ids), so the
people who handle complaints and the 12345 bridge (``integration``) read clocks; the policy is the
supervisors'; the schedule of one instance is an operator's view. There is no implicit super role:
``admin`` reads the schedule only. Row-level rules stay in the handlers on top of it: the token's
estate scope on every clock, policy and query, a handler's overdue list holds their own items only,
and the 被投诉人 rule (``sees`` / ``visible``, ``pm_common.subjects``): a staff member a complaint is
about gets 404 on its clocks and timers, as for an unknown id, and never finds it in an overdue list.
Checked role × route × own/other estate by ``tests/integration/test_authorization_matrix.py``; the
table per role is in docs/security.md.
"""

from __future__ import annotations

from typing import Any

from pm_common.auth import Principal, Role
from pm_common.permissions import check, requirement, roles
from pm_common.subjects import may_see
from pm_common.subjects_store import SubjectsStore

SUPERVISORS = roles("supervisor", "project_manager")
HANDLING = SUPERVISORS | roles("front_desk", "handler", "leadership")

PERMISSIONS: dict[str, frozenset[Role]] = {
    "sla.clock.read": HANDLING | roles("integration"),  # GET /v1/timers/{id}, GET /v1/clocks/{item_id}
    "sla.schedule.read": SUPERVISORS | roles("leadership", "admin"),  # GET /v1/schedule (this instance)
    "sla.policy.read": HANDLING,  # GET /v1/estates/{id}/sla-policy, …/history (front desk quotes deadlines)
    "sla.policy.write": SUPERVISORS,  # PUT /v1/estates/{id}/sla-policy
    "sla.overdue.read": SUPERVISORS | roles("leadership", "handler"),  # GET /v1/sla/overdue (handlers: own)
    "sla.compliance.read": SUPERVISORS | roles("leadership"),  # GET /v1/sla/compliance
}


def permit(staff: Principal, action: str) -> None:
    """The bilingual 403 unless ``staff`` may perform ``action``."""
    check(PERMISSIONS, staff, action)


def allowed(action: str) -> Any:
    """Dependency of a route's staff parameter: ``principal: Annotated[Principal, allowed("sla.clock.read")]``."""
    return requirement(PERMISSIONS, action)


async def sees(principal: Principal, estate_id: str, complaint_ids: list[str], subjects: SubjectsStore) -> bool:
    """A staff read of one item's clocks: the token serves the estate and no complaint of it is about them."""
    if not principal.can_see(estate_id):
        return False
    about = await subjects.of_many(complaint_ids)
    return all(may_see(principal, estate_id, ids) for ids in about.values())


async def visible(principal: Principal, docs: list[dict[str, Any]], subjects: SubjectsStore) -> list[dict[str, Any]]:
    """The clock rows (``c``: complaint id, ``e``: estate) of a list the caller may see."""
    about = await subjects.of_many(d.get("c") for d in docs)
    return [d for d in docs if may_see(principal, d["e"], about.get(d.get("c") or "", ()))]
