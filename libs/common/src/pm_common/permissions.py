"""One permission table per service: action name -> the token roles allowed (issue #9).

Each service has ``entrypoints/permissions.py`` with ``PERMISSIONS: dict[str, frozenset[Role]]`` and
two helpers built from it here:

- ``allowed(action)`` — a FastAPI dependency for the route's staff parameter
  (``staff: Annotated[Principal, allowed("complaint.read")]``). It runs before the body and the query
  are validated, so a caller without the right learns nothing about valid input: 403, not 422.
- ``permit(staff, action)`` — the same check inside a handler (conditional or row-level checks).

There is no implicit super role: ``admin`` may do exactly what the table lists. Row-level rules
(the assignee only, a contractor's own tasks, the estate scope) stay in the handlers on top of it.
``pm_common.testing.matrix`` checks every role × route against the table.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, get_args

from fastapi import Depends

from pm_common.api import ApiError, Staff
from pm_common.auth import Principal, Role

PermissionTable = Mapping[str, frozenset[Role]]
ALL_ROLES: frozenset[Role] = frozenset(get_args(Role))


def roles(*names: Role) -> frozenset[Role]:
    unknown = set(names) - ALL_ROLES
    if unknown:
        raise ValueError(f"unknown roles {sorted(unknown)}")
    return frozenset(names)


class Forbidden(ApiError):
    def __init__(self, role: str, action: str) -> None:
        super().__init__(
            403,
            "forbidden",
            f"当前角色无权执行此操作（{action}）",
            f"role {role} may not do this ({action})",
            action=action,
        )


def check(table: PermissionTable, principal: Principal, action: str) -> None:
    """Raise the bilingual 403 unless the principal's role may perform ``action``."""
    if action not in table:
        raise KeyError(f"action {action!r} is not in the permission table")
    if principal.role not in table[action]:
        raise Forbidden(principal.role, action)


def requirement(table: PermissionTable, action: str) -> Any:
    """``Depends(...)`` of a verified staff principal allowed to perform ``action``."""
    if action not in table:
        raise KeyError(f"action {action!r} is not in the permission table")

    async def permitted(staff: Staff) -> Principal:
        check(table, staff, action)
        return staff

    permitted.__name__ = "permit_" + action.replace(".", "_")
    return Depends(permitted)
