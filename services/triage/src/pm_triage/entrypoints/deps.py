"""Request-scoped access to the wired triage objects and the supervisor role check."""

from __future__ import annotations

from fastapi import Request

from pm_common.api import require_estate, require_role
from pm_common.auth import Principal
from pm_common.service import runtime_of
from pm_triage.bootstrap import Triage

SUPERVISORS = ("supervisor", "project_manager")


def triage_of(request: Request) -> Triage:
    triage: Triage = runtime_of(request).state["triage"]
    return triage


def require_supervisor(principal: Principal, estate_id: str) -> None:
    """客服主管 / 项目经理 (or admin) of this estate."""
    require_role(principal, *SUPERVISORS)
    require_estate(principal, estate_id)
