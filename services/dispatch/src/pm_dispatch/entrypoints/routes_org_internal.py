"""Internal API for the notifier: a staff member's work contact, with a service token, audited.

``GET /internal/v1/people/{person_id}/contact?event_id=…&reason=…[&estate_id=…]`` with a bearer
token of role ``integration`` and subject ``service:notifier`` (``python -m pm_common.auth --role
integration --sub service:notifier --estates '*'``). Every call — served, not found or refused — is
recorded in ``contact_lookups`` (who, when, which person, why / which event). The answer is never
cached (``Cache-Control: no-store``) and contacts never go on a topic."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response

from pm_common.api import ApiError, current_staff
from pm_common.auth import Principal
from pm_common.openapi import DESCRIPTIONS, ErrorBody
from pm_dispatch.entrypoints.permissions import permit_service
from pm_dispatch.entrypoints.routes_org_deps import Now, Ports
from pm_dispatch.entrypoints.routes_org_errors import org_errors
from pm_dispatch.service_layer import organisation as handlers

router = APIRouter(prefix="/internal/v1", tags=["internal"])


@router.get(
    "/people/{person_id}/contact",
    summary="员工工作联系方式（内部服务，留痕）/ a staff member's work contact for the notifier (audited)",
    responses={
        401: {"description": DESCRIPTIONS["401"], "model": ErrorBody},
        403: {"description": DESCRIPTIONS["403"], "model": ErrorBody},
    },
)
async def person_contact(
    request: Request,
    person_id: str,
    ports: Ports,
    now: Now,
    response: Response,
    event_id: Annotated[str | None, Query(max_length=100, description="触发通知的事件 id / causing event")] = None,
    reason: Annotated[str | None, Query(max_length=200, description="用途 / why, e.g. task.sla_warning")] = None,
    estate_id: Annotated[str | None, Query(max_length=64)] = None,
) -> dict[str, Any]:
    why = reason or ""
    caller: Principal | None = None
    try:
        caller = await current_staff(request)
        permit_service(caller)
        if not (event_id or reason):
            raise ApiError(
                422, "purpose_required", "请说明查询用途（event_id 或 reason）", "give the purpose: event_id or reason"
            )
    except ApiError:
        await handlers.record_refusal(
            ports.audit,
            person_id=person_id,
            caller=caller.sub if caller else "anonymous",
            role=caller.role if caller else "-",
            reason=why,
            event_id=event_id,
            now=now,
        )
        raise
    with org_errors():
        person, contact, estate = await handlers.lookup_contact(
            ports.repo,
            ports.audit,
            person_id=person_id,
            estate_id=estate_id,
            caller=caller,
            reason=why,
            event_id=event_id,
            now=now,
        )
    response.headers["Cache-Control"] = "no-store"
    return {
        "person_id": person.person_id,
        "estate_id": estate,
        "name": person.name,
        "channels": person.channels,
        **contact.model_dump(exclude={"contact_name"}),
    }
