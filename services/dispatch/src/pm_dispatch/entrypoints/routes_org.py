"""HTTP API of an estate's organisation: the whole organisation, who is on duty, routing preview.

``router`` (included by api.py) also carries the per-item routes (``routes_org_items``) and the
internal staff-contact API (``routes_org_internal``)."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Body, Header, Query, Response
from pydantic import BaseModel, Field

from pm_common.auth import Principal
from pm_common.org import Role, on_duty
from pm_dispatch.domain.assignment import RoutingRequest
from pm_dispatch.domain.organisation_changes import replace_all
from pm_dispatch.domain.organisation_errors import ItemNotFound
from pm_dispatch.domain.organisation_input import OrganisationIn
from pm_dispatch.entrypoints import routes_org_internal, routes_org_items
from pm_dispatch.entrypoints.permissions import in_estate, permit
from pm_dispatch.entrypoints.routes_org_common import apply, load, organisation_body
from pm_dispatch.entrypoints.routes_org_deps import Now, Ports
from pm_dispatch.entrypoints.routes_org_errors import api_error

PREFIX = "/v1/estates/{estate_id}/organisation"
org_router = APIRouter(prefix=PREFIX, tags=["organisation"])


@org_router.get("", summary="组织架构 / the estate's organisation")
async def get_organisation(
    estate_id: str, staff: Annotated[Principal, in_estate("org.read")], ports: Ports, response: Response
) -> dict[str, Any]:
    org = await load(ports, staff, estate_id)
    response.headers["ETag"] = f'"{org.version}"'
    return organisation_body(org, staff)


@org_router.put("", summary="整体设置组织架构 / set the whole organisation (one change, one org.changed)")
async def put_organisation(
    estate_id: str,
    staff: Annotated[Principal, in_estate("org.write")],
    ports: Ports,
    now: Now,
    response: Response,
    body: Annotated[OrganisationIn, Body()],
    if_match: Annotated[
        str | None, Header(description="版本号：仅当仍为该版本时写入 / only if still this version")
    ] = None,
) -> dict[str, Any]:
    return await apply(ports, staff, estate_id, replace_all(body.sections()), now, response, if_match)


@org_router.get("/on-duty", summary="当前在岗 / who is on duty (role, team, instant)")
async def who_is_on_duty(
    estate_id: str,
    staff: Annotated[Principal, in_estate("org.read")],
    ports: Ports,
    now: Now,
    role: Role = "handler",
    team_id: str | None = None,
    at: Annotated[datetime | None, Query(description="ISO 8601；缺省为现在 / default now")] = None,
) -> list[dict[str, Any]]:
    org = await load(ports, staff, estate_id)
    people = on_duty(org.snapshot(), role, at or now, team_id=team_id)
    return [p.model_dump(mode="json") for p in people]


class PreviewIn(BaseModel):
    category: str = Field(examples=["engineering"])
    urgency: str = Field("general", examples=["urgent"])
    scope: str | None = "unit"
    grade: str | None = None
    building: str | None = None
    area: str | None = None
    skills: list[str] = Field(default_factory=list, examples=[["lift"]])
    exclude: list[str] = Field(default_factory=list, description="退回的班组或人员 / teams or people that returned it")
    at: datetime | None = None


@org_router.post("/route-preview", summary="派单预演 / who would get such an item now (nothing is assigned)")
async def route_preview(
    estate_id: str,
    staff: Annotated[Principal, in_estate("org.read")],
    ports: Ports,
    now: Now,
    body: Annotated[PreviewIn, Body()],
) -> dict[str, Any]:
    await load(ports, staff, estate_id)
    request = RoutingRequest(
        estate_id=estate_id,
        task_id="preview",
        category=body.category,
        urgency=body.urgency,
        scope=body.scope,
        grade=body.grade,
        building=body.building,
        area=body.area,
        at=body.at or now,
        skills=tuple(body.skills),
        exclude=tuple(body.exclude),
    )
    chosen = await ports.router.route(request)
    return {
        field: getattr(chosen, field)
        for field in ("kind", "department", "team_id", "person_id", "contractor_id", "name", "rule_id", "reason")
    }


@org_router.get(
    "/people/{person_id}/contact-lookups",
    summary="联系方式查询记录 / who looked up this person's contact, when and why (newest first)",
)
async def contact_lookups(
    estate_id: str,
    person_id: str,
    staff: Annotated[Principal, in_estate("org.contact_audit.read")],
    ports: Ports,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> list[dict[str, Any]]:
    permit(staff, "org.contact_audit.read", estate_id)
    org = await load(ports, staff, estate_id)
    if org.person(person_id) is None:
        raise api_error(ItemNotFound("人员", "person", person_id))
    entries = await ports.audit.of_person(person_id, limit)
    return [asdict(e) for e in entries if e.estate_id in (estate_id, None)]


router = APIRouter()
router.include_router(org_router)
router.include_router(routes_org_items.router)
router.include_router(routes_org_internal.router)
