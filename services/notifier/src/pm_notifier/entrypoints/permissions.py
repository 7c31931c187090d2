"""Who may do what on the notifier's API: the permission table (role × action) every route uses.

Notifications hold the texts sent to owners and staff, so they are read by the people who handle
complaints (not contractors); return visits and settings are customer service's and supervisors';
the internal routes (provider receipts, SMS replies, the tracking inbox) only for the gateways and
intake (``integration``). There is no implicit super role: ``admin`` does nothing here. Row-level
rules sit in the handlers on top of it: the estate scope (``require_estate``: another estate's item
answers 404), the 被投诉人 rule (``sees``: a staff member a complaint is about finds none of its
messages, pages or return visits — 404 as if absent, left out of lists; ``pm_common.subjects``), only
a paged person acknowledges a page. Checked role × route × own/other estate ×
own/other item by ``tests/integration/test_authorization_matrix.py``; the table is in docs/security.md.
"""

from __future__ import annotations

from typing import Any

from pm_common.api import ApiError
from pm_common.auth import Principal, Role
from pm_common.permissions import check, requirement, roles
from pm_common.subjects import may_see
from pm_common.subjects_store import SubjectsStore

_CS = roles("front_desk", "supervisor", "project_manager")
_STAFF = _CS | roles("handler", "leadership")
_MANAGERS = roles("supervisor", "project_manager")
_SERVICES = roles("integration")

PERMISSIONS: dict[str, frozenset[Role]] = {
    "notification.read": _STAFF,  # GET /v1/complaints/{id}/notifications, GET /v1/deliveries/{id}
    "page.read": _STAFF,  # GET /v1/pages/{id}
    "page.acknowledge": _STAFF,  # POST /v1/pages/{id}/ack (row rule: only a paged person)
    "return_visit.read": _CS | roles("leadership"),  # GET /v1/return-visits, GET /v1/complaints/{id}/followup
    "return_visit.record": _CS,  # POST /v1/return-visits/{complaint_id}
    "owner.preferences.write": _CS,  # PUT /v1/complaints/{id}/owner-preferences
    "notifier.settings.read": _MANAGERS | roles("leadership"),  # GET /v1/estates/{id}/notifier-settings
    "notifier.settings.write": _MANAGERS,  # PUT /v1/estates/{id}/notifier-settings
    "delivery.receipt": _SERVICES,  # POST /internal/v1/receipts (SMS gateway)
    "survey.sms_reply": _SERVICES,  # POST /internal/v1/sms/inbound (SMS gateway)
    "inbox.read": _SERVICES,  # GET /internal/v1/complaints/{id}/inbox (intake's owner view)
}


def permit(principal: Principal, action: str) -> None:
    """The bilingual 403 unless ``principal`` may perform ``action``."""
    check(PERMISSIONS, principal, action)


def allowed(action: str) -> Any:
    """Dependency of a route's staff parameter: ``staff: Annotated[Principal, allowed("page.read")]``."""
    return requirement(PERMISSIONS, action)


def require_estate(principal: Principal, estate_id: str) -> None:
    if not principal.can_see(estate_id):
        raise ApiError(404, "not_found", "未找到", "not found")  # never confirm another estate's item exists


async def sees(
    principal: Principal, doc: dict[str, Any], subjects: SubjectsStore, complaint_id: str | None = None
) -> bool:
    """A staff read of one stored item (delivery, page, follow-up): its estate is the token's and its
    complaint is not about the caller (else the route answers as for an id that does not exist)."""
    if not principal.can_see(doc.get("estate_id", "")):
        return False
    return may_see(principal, doc["estate_id"], await subjects.of(complaint_id or doc.get("complaint_id")))


async def visible(principal: Principal, docs: list[dict[str, Any]], subjects: SubjectsStore) -> list[dict[str, Any]]:
    """The items of a list the caller may see (the 被投诉人 rule: left out, not counted)."""
    mine = [d for d in docs if principal.can_see(d.get("estate_id", ""))]
    about = await subjects.of_many(d.get("complaint_id") for d in mine)
    return [d for d in mine if may_see(principal, d["estate_id"], about.get(d.get("complaint_id") or "", ()))]
