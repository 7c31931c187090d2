"""Who may do what in dispatch — tasks, the ledger and the organisation: one table, used by every route.

``PERMISSIONS`` (action → token roles) is checked by a route dependency before its input is read
(``acting(action)`` for task routes, giving the ``Actor``; ``in_estate(action)`` for organisation
routes, with the path's estate), so a role without the right gets 403, never a 422 that tells it about valid input.
``ROUTES`` names the action of every operation of the OpenAPI document; the authorization-matrix
test (tests/integration/test_authorization_matrix.py) checks both against the running service.

Row-level rules come on top, in the use cases (``domain/access.py``, ``domain/contact.py``): only
the task's assignee or a supervisor / project manager of the estate works a task; handlers and
contractors see only their own tasks; only the assignee asks for the owner's contact; everybody
sees only the estates of their token; organisation actions are limited to the token's estates
(``permit(staff, action, estate_id)``); the staff-contact lookup to the service callers below.
Leadership reads; integrations do nothing here but the notifier's staff-contact lookup. ``admin`` is
need-to-know like at intake: it manages the organisation (and reads it), and reads or works no task.
"""

from __future__ import annotations

from typing import Any

from fastapi import Depends

from pm_common.api import ApiError, Staff, require_estate
from pm_common.auth import Principal, Role
from pm_common.permissions import check, roles
from pm_dispatch.domain.access import Actor

MANAGERS: frozenset[Role] = roles("supervisor", "project_manager")
WORKERS: frozenset[Role] = MANAGERS | {"handler", "contractor"}
READERS: frozenset[Role] = WORKERS | {"front_desk", "leadership"}
STAFF: frozenset[Role] = roles("front_desk", "supervisor", "project_manager", "handler", "leadership", "admin")
ORG_ADMINS: frozenset[Role] = roles("project_manager", "admin")

PERMISSIONS: dict[str, frozenset[Role]] = {
    # tasks: the handling lifecycle (row level: the assignee or a manager of the estate)
    "task.read": READERS,
    "task.accept": WORKERS,
    "task.return": WORKERS,
    "task.appointment": WORKERS,
    "task.check_in": WORKERS,
    "task.start": WORKERS,
    "task.resolve": WORKERS,
    "task.pause": WORKERS,
    "task.resume": WORKERS,
    "task.note": WORKERS,
    "task.plan.submit": WORKERS,
    "task.extension.request": WORKERS,
    "task.verify": roles("front_desk", "supervisor"),  # customer service
    "task.close": MANAGERS,
    "task.reopen": MANAGERS,
    "task.cancel": MANAGERS,
    "task.reassign": MANAGERS,
    "task.plan.approve": MANAGERS,
    "task.extension.decide": MANAGERS,
    "task.subtask.create": MANAGERS,
    "task.consultation.record": MANAGERS,
    # the owner's phone: only the assignee, only when the task needs it (domain/contact.py), audited
    "task.contact.reveal": roles("handler", "contractor"),
    "task.contact.audit": roles("supervisor", "project_manager", "leadership"),
    # the ledger (row level: the token's estates; handlers and contractors their own tasks)
    "ledger.read": READERS,
    "ledger.export": READERS,
    # the organisation (row level: the token's estates)
    "org.read": STAFF,  # the organisation without contact values, who is on duty, routing preview
    "org.contacts.read": ORG_ADMINS,  # the organisation with the work contacts
    "org.write": ORG_ADMINS,  # every change (teams, people, roster, contractors, rules)
    "org.contact_audit.read": roles("project_manager", "leadership", "admin"),  # who looked up whom
    "staff_contact.read": roles("integration"),  # internal API for the notifier (+ SERVICE_CALLERS)
}

# Markers of the authorization matrix (the same as ``pm_common.testing.matrix``'s; not imported from
# there, so production code does not depend on the test helpers).
OPEN = "<open>"  # public: probes, metrics; no role may get a 403
OWN_AUTH = "<own-auth>"  # authenticated beyond the table (a service identity)

# Service identities (token ``sub`` with role ``integration``) allowed to read staff contacts.
SERVICE_CALLERS = frozenset({"service:notifier"})

_T = "/v1/tasks/{task_id}"
_O = "/v1/estates/{estate_id}/organisation"
# Every operation and the action it checks (OPEN: probes; OWN_AUTH: the role and a service identity).
ROUTES: dict[str, str] = {
    "GET /livez": OPEN,
    "GET /readyz": OPEN,
    "GET /healthz": OPEN,
    "GET /metrics": OPEN,
    "GET /v1/tasks": "ledger.read",
    "GET /v1/ledger/export": "ledger.export",
    f"GET {_T}": "task.read",
    f"GET {_T}/log": "task.read",
    f"GET {_T}/notes": "task.read",
    f"POST {_T}/accept": "task.accept",
    f"POST {_T}/return": "task.return",
    f"POST {_T}/appointment": "task.appointment",
    f"POST {_T}/check-in": "task.check_in",
    f"POST {_T}/start": "task.start",
    f"POST {_T}/resolve": "task.resolve",
    f"POST {_T}/verify": "task.verify",
    f"POST {_T}/close": "task.close",
    f"POST {_T}/reopen": "task.reopen",
    f"POST {_T}/cancel": "task.cancel",
    f"POST {_T}/reassign": "task.reassign",
    f"POST {_T}/pause": "task.pause",
    f"POST {_T}/resume": "task.resume",
    f"POST {_T}/notes": "task.note",
    f"POST {_T}/plan": "task.plan.submit",
    f"POST {_T}/plan/approve": "task.plan.approve",
    f"POST {_T}/extensions": "task.extension.request",
    f"POST {_T}/extensions/{{n}}/decision": "task.extension.decide",
    f"POST {_T}/subtasks": "task.subtask.create",
    f"POST {_T}/consultations": "task.consultation.record",
    f"POST {_T}/owner-contact": "task.contact.reveal",
    f"GET {_T}/contact-reveals": "task.contact.audit",
    f"GET {_O}": "org.read",
    f"PUT {_O}": "org.write",
    f"GET {_O}/on-duty": "org.read",
    f"POST {_O}/route-preview": "org.read",
    f"PUT {_O}/teams/{{team_id}}": "org.write",
    f"DELETE {_O}/teams/{{team_id}}": "org.write",
    f"PUT {_O}/people/{{person_id}}": "org.write",
    f"DELETE {_O}/people/{{person_id}}": "org.write",
    f"PUT {_O}/people/{{person_id}}/duty-rules": "org.write",
    f"POST {_O}/overrides": "org.write",
    f"DELETE {_O}/overrides/{{person_id}}/{{day}}": "org.write",
    f"PUT {_O}/contractors/{{contractor_id}}": "org.write",
    f"DELETE {_O}/contractors/{{contractor_id}}": "org.write",
    f"PUT {_O}/routing-rules/{{rule_id}}": "org.write",
    f"DELETE {_O}/routing-rules/{{rule_id}}": "org.write",
    f"GET {_O}/people/{{person_id}}/contact-lookups": "org.contact_audit.read",
    # the role (staff_contact.read) and, beyond the table, one service identity; every call audited
    "GET /internal/v1/people/{person_id}/contact": OWN_AUTH,
}


def may(staff: Principal, action: str) -> bool:
    return staff.role in PERMISSIONS[action]


def permit(staff: Principal, action: str, estate_id: str | None = None) -> None:
    """The bilingual 403 unless the token's role may do ``action`` (and, given, serves that estate)."""
    check(PERMISSIONS, staff, action)
    if estate_id is not None:
        require_estate(staff, estate_id)


def in_estate(action: str) -> Any:
    """Dependency of an organisation route: the role may do ``action`` and the token serves the
    path's ``estate_id`` — both checked before the body is read (another estate learns nothing)."""
    if action not in PERMISSIONS:
        raise KeyError(f"action {action!r} is not in the permission table")

    async def permitted(staff: Staff, estate_id: str) -> Principal:
        permit(staff, action, estate_id)
        return staff

    permitted.__name__ = "permit_" + action.replace(".", "_")
    return Depends(permitted)


def acting(action: str) -> Any:
    """Dependency giving the ``Actor`` of a task route once the role may do ``action``."""
    if action not in PERMISSIONS:
        raise KeyError(f"action {action!r} is not in the permission table")

    async def permitted(staff: Staff) -> Actor:
        check(PERMISSIONS, staff, action)
        return Actor(id=staff.sub, role=staff.role, estates=staff.estates)

    permitted.__name__ = "permit_" + action.replace(".", "_")
    return Depends(permitted)


def permit_service(staff: Principal) -> None:
    permit(staff, "staff_contact.read")
    if staff.sub not in SERVICE_CALLERS:
        raise ApiError(403, "forbidden", "仅限内部服务调用", f"{staff.sub} is not a service allowed to read contacts")
