"""Statistics of the complaints received in a period (docs/insights.md defines every figure)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter

from pm_common.auth import Principal
from pm_insights.entrypoints.deps import Deps, Settings
from pm_insights.entrypoints.permissions import allowed
from pm_insights.entrypoints.schemas import Statistics
from pm_insights.service_layer import queries

router = APIRouter(prefix="/v1", tags=["statistics"])
Period = Literal["day", "week", "month"]


@router.get("/statistics", response_model=Statistics, summary="统计 / figures of the complaints received in a period")
async def statistics(
    staff: Annotated[Principal, allowed("insights.statistics.read")],
    deps: Deps,
    settings: Settings,
    since: date,
    until: date,
    estate_id: str | None = None,
    period: Period = "day",
) -> dict[str, Any]:
    estates = await queries.scope(deps.buckets, staff, estate_id)
    return await queries.statistics(deps.buckets, estates, since, until, period, settings.max_period_days)
