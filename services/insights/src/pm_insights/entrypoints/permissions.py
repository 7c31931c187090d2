"""Who may do what on the insights API: the permission table (role × action) every route uses.

Statistics, warnings and reports are aggregates over an estate (no personal data; the households of
repeat complaints are place keys), for the people who run the estates: supervisors, project managers
and the group's leadership (whose tokens usually cover every estate: ``*`` is the whole group).
Thresholds are set by supervisors and project managers. Row-level rule on top, in the handlers: the
token's estate scope on every figure. Checked role × route × own/other estate by
``tests/integration/test_authorization_matrix.py``.
"""

from __future__ import annotations

from typing import Any

from pm_common.auth import Principal, Role
from pm_common.permissions import check, requirement, roles

MANAGERS = roles("supervisor", "project_manager")
READERS = MANAGERS | roles("leadership")

PERMISSIONS: dict[str, frozenset[Role]] = {
    "insights.statistics.read": READERS,  # GET /v1/statistics
    "insights.reports.read": READERS,  # GET /v1/reports/{kind}.{fmt}
    "insights.warnings.read": READERS,  # GET /v1/warnings, GET /v1/warnings/{warning_id}
    "insights.thresholds.read": READERS,  # GET /v1/estates/{estate_id}/warning-thresholds
    "insights.thresholds.write": MANAGERS,  # PUT /v1/estates/{estate_id}/warning-thresholds
}


def permit(staff: Principal, action: str) -> None:
    """The bilingual 403 unless ``staff`` may perform ``action``."""
    check(PERMISSIONS, staff, action)


def allowed(action: str) -> Any:
    """Dependency of a route's staff parameter: ``staff: Annotated[Principal, allowed("insights.statistics.read")]``."""
    return requirement(PERMISSIONS, action)
