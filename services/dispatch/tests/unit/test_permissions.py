"""One permission table for all of dispatch (tasks, ledger, organisation): every route checks exactly
the action ``ROUTES`` names for it, through a dependency (before its input is read), every action of
the table is used, and the table says what issues #9/#10 ask."""

from __future__ import annotations

import pytest
from fastapi.routing import APIRoute

from pm_common.api import ApiError
from pm_common.auth import Principal
from pm_common.testing import matrix
from pm_dispatch.config import DispatchSettings
from pm_dispatch.entrypoints import permissions as p
from pm_dispatch.entrypoints import (
    routes_contact,
    routes_handling,
    routes_ledger,
    routes_org,
    routes_org_internal,
    routes_org_items,
    routes_tasks,
)
from pm_dispatch.entrypoints.api import create_app
from pm_dispatch.entrypoints.permissions import PERMISSIONS, ROUTES, permit, permit_service

pytestmark = pytest.mark.unit


def _checked(route: APIRoute) -> list[str]:
    """The actions a route's dependencies check (``permit_<action>`` of acting() / allowed())."""
    found: list[str] = []
    stack = list(route.dependant.dependencies)
    while stack:
        dep = stack.pop()
        name = getattr(dep.call, "__name__", "")
        if name.startswith("permit_"):
            found.append(next(a for a in PERMISSIONS if "permit_" + a.replace(".", "_") == name))
        stack.extend(dep.dependencies)
    return found


def test_every_route_checks_the_action_the_table_names_and_every_action_is_used() -> None:
    app = create_app(DispatchSettings(auth_secret="x" * 40))
    assert (p.OPEN, p.OWN_AUTH) == (matrix.OPEN, matrix.OWN_AUTH)
    assert matrix.operations(app) == set(ROUTES)
    routers = (routes_tasks, routes_handling, routes_ledger, routes_contact, routes_org_items, routes_org_internal)
    routes = [r for r in app.routes if isinstance(r, APIRoute)]  # the probes
    routes += [r for m in routers for r in m.router.routes if isinstance(r, APIRoute)]
    routes += [r for r in routes_org.org_router.routes if isinstance(r, APIRoute)]
    assert {f"{m} {r.path}" for r in routes for m in r.methods} == set(ROUTES)
    used = set()
    for route in routes:
        for method in route.methods:
            action = ROUTES[f"{method} {route.path}"]
            checked = _checked(route)
            if action in (p.OPEN, p.OWN_AUTH):
                assert checked == [], route.path
            else:
                assert checked == [action], f"{method} {route.path}: {checked} != {action}"
                used.add(action)
    # conditional checks inside routes: contacts in the organisation body, the notifier's lookup
    assert used | {"org.contacts.read", "staff_contact.read"} == set(PERMISSIONS)


def who(role: str, estates: tuple[str, ...] = ("SUNNY",), sub: str = "x") -> Principal:
    return Principal(sub=sub, role=role, estates=estates, exp=2**31)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("role", "action", "allowed"),
    [
        ("handler", "task.accept", True),
        ("contractor", "task.resolve", True),
        ("front_desk", "task.accept", False),
        ("front_desk", "task.verify", True),
        ("handler", "task.verify", False),
        ("leadership", "task.read", True),
        ("leadership", "task.resolve", False),
        ("integration", "task.read", False),
        ("integration", "task.resolve", False),
        ("handler", "task.reassign", False),
        ("supervisor", "task.extension.decide", True),
        ("handler", "task.plan.approve", False),
        ("handler", "task.contact.reveal", True),
        ("supervisor", "task.contact.reveal", False),
        ("handler", "task.contact.audit", False),
        ("project_manager", "org.write", True),
        ("admin", "org.write", True),
        ("supervisor", "org.write", False),
        ("handler", "org.read", True),
        ("handler", "org.contacts.read", False),
        ("contractor", "org.read", False),
        ("integration", "org.read", False),
        ("admin", "staff_contact.read", False),
        # need-to-know like intake: the admin manages the organisation and works or reads no task
        ("admin", "org.read", True),
        ("admin", "task.read", False),
        ("admin", "task.reassign", False),
        ("admin", "task.verify", False),
        ("admin", "task.close", False),
        ("admin", "task.contact.audit", False),
        ("admin", "ledger.read", False),
        ("admin", "ledger.export", False),
    ],
)
def test_table(role: str, action: str, allowed: bool) -> None:
    if allowed:
        permit(who(role), action)
        return
    with pytest.raises(ApiError) as refused:
        permit(who(role), action)
    assert refused.value.status == 403 and refused.value.zh and refused.value.en


def test_estate_scope_and_service_identity() -> None:
    with pytest.raises(ApiError, match="no access to this estate"):
        permit(who("project_manager", ("JADE",)), "org.write", "SUNNY")
    permit_service(who("integration", ("*",), "service:notifier"))
    with pytest.raises(ApiError):
        permit_service(who("integration", ("*",), "service:triage"))
