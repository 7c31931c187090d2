"""Console queries: what is overdue or about to be (per estate / department / handler / stage), and
SLA compliance per stage over a period. Both read O(pending) or the period's results, not the
schedule of one instance, so every instance answers the same."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from pydantic import AwareDatetime

from pm_common.api import ApiError
from pm_common.auth import Principal
from pm_common.events.sla import Stage
from pm_common.service import runtime_of
from pm_sla_monitor.entrypoints.permissions import allowed, visible
from pm_sla_monitor.entrypoints.schemas import ComplianceReport, OverdueReport

router = APIRouter(prefix="/v1/sla", tags=["sla queries"])


def _estates(principal: Principal, estate_id: str | None) -> list[str] | None:
    if estate_id is not None:
        if not principal.can_see(estate_id):
            raise ApiError(403, "estate_forbidden", "无权访问该项目（小区）的数据", "no access to this estate")
        return [estate_id]
    return None if "*" in principal.estates else list(principal.estates)


@router.get("/overdue", response_model=OverdueReport, summary="已超时或即将超时 / overdue or due soon, grouped")
async def overdue(
    request: Request,
    principal: Annotated[Principal, allowed("sla.overdue.read")],
    estate_id: str | None = None,
    department: str | None = None,
    person_id: str | None = None,
    stage: Stage | None = None,
    within_hours: Annotated[float, Query(ge=0, le=24 * 30)] = 4.0,
    group_by: Literal["estate", "department", "person", "stage"] = "stage",
) -> dict[str, Any]:
    if principal.role == "handler":
        person_id = principal.sub  # a handler sees their own items only
    now = runtime_of(request).state["monitor"].clock.now()  # the scheduler's clock (a manual one in tests)
    horizon = now + timedelta(hours=within_hours)
    query: dict[str, Any] = {"d": {"$lte": horizon}, "state": "running"}
    estates = _estates(principal, estate_id)
    if estates is not None:
        query["e"] = {"$in": estates}
    for field, value in (("department", department), ("person", person_id), ("stage", stage)):
        if value is not None:
            query[field] = value
    docs = await visible(
        principal, await runtime_of(request).state["clocks"].scan(query), runtime_of(request).state["subjects"]
    )
    items = sorted(
        (
            {
                "item_id": d["item_id"],
                "item": d["item"],
                "complaint_id": d["c"],
                "estate_id": d["e"],
                "stage": d["stage"],
                "due_at": d["d"],
                "department": d.get("department"),
                "person_id": d.get("person"),
                "overdue": d["d"] <= now,
                "late_seconds": max((now - d["d"]).total_seconds(), 0.0),
            }
            for d in docs
        ),
        key=lambda i: i["due_at"],
    )
    field = {"estate": "estate_id", "department": "department", "person": "person_id", "stage": "stage"}[group_by]
    groups: dict[str, dict[str, int]] = defaultdict(lambda: {"overdue": 0, "due_soon": 0})
    for item in items:
        groups[str(item[field])]["overdue" if item["overdue"] else "due_soon"] += 1
    return {"as_of": now, "within_hours": within_hours, "group_by": group_by, "groups": groups, "items": items[:500]}


@router.get(
    "/compliance", response_model=ComplianceReport, summary="各阶段时限达标率 / SLA compliance per stage over a period"
)
async def compliance(
    request: Request,
    principal: Annotated[Principal, allowed("sla.compliance.read")],
    since: AwareDatetime,
    until: AwareDatetime,
    estate_id: str | None = None,
) -> dict[str, Any]:
    if until <= since:
        raise ApiError(422, "bad_period", "结束时间须晚于开始时间", "until must be after since")
    results = await runtime_of(request).state["clocks"].results_between(_estates(principal, estate_id), since, until)
    stages: dict[str, dict[str, Any]] = defaultdict(lambda: {"met": 0, "late": 0, "void": 0})
    for r in results:
        stages[r["stage"]][r["outcome"]] += 1
    for counts in stages.values():
        measured = counts["met"] + counts["late"]
        counts["compliance"] = round(counts["met"] / measured, 4) if measured else None
    return {"since": since, "until": until, "estate_id": estate_id, "stages": stages}
