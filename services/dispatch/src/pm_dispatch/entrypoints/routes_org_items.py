"""One item of an organisation at a time: teams, people (with contact and shifts), leave and extra
shifts, contractors, routing rules. Each call is one change: one write, one ``org.changed``."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Body, Response

from pm_common.api import ApiError
from pm_common.auth import Principal
from pm_common.org import DutyOverride, DutyRule, OrgTeam
from pm_dispatch.domain import organisation_changes as changes
from pm_dispatch.domain.organisation import RoutingRule
from pm_dispatch.domain.organisation_input import ContractorIn, PersonIn
from pm_dispatch.entrypoints.permissions import in_estate
from pm_dispatch.entrypoints.routes_org_common import apply
from pm_dispatch.entrypoints.routes_org_deps import Now, Ports

OrgWriter = Annotated[Principal, in_estate("org.write")]
router = APIRouter(prefix="/v1/estates/{estate_id}/organisation", tags=["organisation"])


def _same_id(path_id: str, body_id: str, field: str) -> None:
    if path_id != body_id:
        raise ApiError(
            422,
            "validation_failed",
            "提交的内容有误，请检查标出的字段",
            "request validation failed",
            fields=[{"field": field, "reason": "与地址中的编号不一致", "reason_en": "differs from the id in the path"}],
        )


async def _apply(
    estate_id: str, staff: Principal, ports: Ports, now: Now, response: Response, change: changes.Change
) -> dict[str, Any]:
    return await apply(ports, staff, estate_id, change, now, response)


@router.put("/teams/{team_id}", summary="设置班组（含中控室）/ add or replace a team (incl. the control room)")
async def put_team(
    estate_id: str,
    team_id: str,
    staff: OrgWriter,
    ports: Ports,
    now: Now,
    response: Response,
    body: Annotated[OrgTeam, Body()],
) -> dict[str, Any]:
    _same_id(team_id, body.team_id, "team_id")
    return await _apply(estate_id, staff, ports, now, response, changes.put_team(body))


@router.delete("/teams/{team_id}", summary="删除班组 / remove a team (refused while in use)")
async def delete_team(
    estate_id: str, team_id: str, staff: OrgWriter, ports: Ports, now: Now, response: Response
) -> dict[str, Any]:
    return await _apply(estate_id, staff, ports, now, response, changes.remove_team(team_id))


@router.put("/people/{person_id}", summary="设置人员（角色、技能、接收渠道、工作联系方式）/ add or replace a person")
async def put_person(
    estate_id: str,
    person_id: str,
    staff: OrgWriter,
    ports: Ports,
    now: Now,
    response: Response,
    body: Annotated[PersonIn, Body()],
) -> dict[str, Any]:
    _same_id(person_id, body.person_id, "person_id")
    person, contact = body.split()
    return await _apply(estate_id, staff, ports, now, response, changes.put_person(person, contact))


@router.delete("/people/{person_id}", summary="删除人员（连同联系方式与排班）/ remove a person with contact and shifts")
async def delete_person(
    estate_id: str, person_id: str, staff: OrgWriter, ports: Ports, now: Now, response: Response
) -> dict[str, Any]:
    return await _apply(estate_id, staff, ports, now, response, changes.remove_person(person_id))


@router.put("/people/{person_id}/duty-rules", summary="设置某人的排班 / replace one person's recurring shifts")
async def put_duty_rules(
    estate_id: str,
    person_id: str,
    staff: OrgWriter,
    ports: Ports,
    now: Now,
    response: Response,
    body: Annotated[list[DutyRule], Body(max_length=200)],
) -> dict[str, Any]:
    for i, rule in enumerate(body):
        _same_id(person_id, rule.person_id, f"{i}.person_id")
    return await _apply(estate_id, staff, ports, now, response, changes.set_duty_rules(person_id, body))


@router.post("/overrides", summary="请假或加班（某日）/ leave or an extra shift on one day")
async def post_override(
    estate_id: str, staff: OrgWriter, ports: Ports, now: Now, response: Response, body: Annotated[DutyOverride, Body()]
) -> dict[str, Any]:
    return await _apply(estate_id, staff, ports, now, response, changes.add_override(body))


@router.delete("/overrides/{person_id}/{day}", summary="撤销某人某日的排班调整 / remove one day's overrides")
async def delete_override(
    estate_id: str, person_id: str, day: date, staff: OrgWriter, ports: Ports, now: Now, response: Response
) -> dict[str, Any]:
    return await _apply(estate_id, staff, ports, now, response, changes.remove_overrides(person_id, day))


@router.put("/contractors/{contractor_id}", summary="设置外包单位（工种、服务项目、合同时段、联系方式）/ contractor")
async def put_contractor(
    estate_id: str,
    contractor_id: str,
    staff: OrgWriter,
    ports: Ports,
    now: Now,
    response: Response,
    body: Annotated[ContractorIn, Body()],
) -> dict[str, Any]:
    _same_id(contractor_id, body.contractor_id, "contractor_id")
    contractor, contact = body.split()
    return await _apply(estate_id, staff, ports, now, response, changes.put_contractor(contractor, contact))


@router.delete("/contractors/{contractor_id}", summary="删除外包单位 / remove a contractor")
async def delete_contractor(
    estate_id: str, contractor_id: str, staff: OrgWriter, ports: Ports, now: Now, response: Response
) -> dict[str, Any]:
    return await _apply(estate_id, staff, ports, now, response, changes.remove_contractor(contractor_id))


@router.put("/routing-rules/{rule_id}", summary="设置派单规则 / add or replace a routing rule")
async def put_rule(
    estate_id: str,
    rule_id: str,
    staff: OrgWriter,
    ports: Ports,
    now: Now,
    response: Response,
    body: Annotated[RoutingRule, Body()],
) -> dict[str, Any]:
    _same_id(rule_id, body.rule_id, "rule_id")
    return await _apply(estate_id, staff, ports, now, response, changes.put_rule(body))


@router.delete("/routing-rules/{rule_id}", summary="删除派单规则 / remove a routing rule")
async def delete_rule(
    estate_id: str, rule_id: str, staff: OrgWriter, ports: Ports, now: Now, response: Response
) -> dict[str, Any]:
    return await _apply(estate_id, staff, ports, now, response, changes.remove_rule(rule_id))
