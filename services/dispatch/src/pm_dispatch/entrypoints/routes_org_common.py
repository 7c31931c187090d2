"""The write and read paths every organisation route shares: permission, handler, answer."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import Response

from pm_common.api import ApiError
from pm_common.auth import Principal
from pm_dispatch.domain.organisation import Organisation
from pm_dispatch.domain.organisation_changes import Change
from pm_dispatch.domain.organisation_errors import OrganisationNotFound
from pm_dispatch.entrypoints.permissions import may, permit
from pm_dispatch.entrypoints.routes_org_errors import api_error, org_errors
from pm_dispatch.service_layer import organisation as handlers


def organisation_body(org: Organisation, staff: Principal, changed: bool | None = None) -> dict[str, Any]:
    """The organisation as JSON; work contacts only for those who may manage them."""
    hidden = set() if may(staff, "org.contacts.read") else {"contacts", "contractor_contacts"}
    body = org.model_dump(mode="json", exclude=hidden)
    if changed is not None:
        body["changed"] = changed
    return body


def _if_match(value: str | None) -> int | None:
    if value is None:
        return None
    try:
        return int(value.strip().removeprefix("W/").strip('"'))
    except ValueError:
        raise ApiError(422, "invalid_if_match", "If-Match 应为组织架构版本号", "If-Match must be a version") from None


async def apply(
    ports: handlers.OrgPorts,
    staff: Principal,
    estate_id: str,
    change: Change,
    now: datetime,
    response: Response,
    if_match: str | None = None,
) -> dict[str, Any]:
    """Shared by every write route: permission, the change handler, the answer with its ETag."""
    permit(staff, "org.write", estate_id)
    with org_errors():
        org, changed = await handlers.change_organisation(
            ports.repo, estate_id, change, staff.sub, now, _if_match(if_match)
        )
    response.headers["ETag"] = f'"{org.version}"'
    return organisation_body(org, staff, changed)


async def load(ports: handlers.OrgPorts, staff: Principal, estate_id: str) -> Organisation:
    permit(staff, "org.read", estate_id)
    org = await handlers.get_organisation(ports.repo, estate_id)
    if org is None:
        raise api_error(OrganisationNotFound(estate_id))
    return org
