"""Early warnings raised (insight.warning) and the thresholds of an estate."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from pm_common.auth import Principal
from pm_insights.domain.errors import EstateForbidden, NotFound
from pm_insights.domain.thresholds import Thresholds
from pm_insights.entrypoints.deps import Deps
from pm_insights.entrypoints.permissions import allowed
from pm_insights.entrypoints.schemas import EarlyWarning, WarningList
from pm_insights.service_layer import queries

router = APIRouter(prefix="/v1", tags=["early warning"])


@router.get("/warnings", response_model=WarningList, summary="预警列表 / early warnings raised, newest first")
async def list_warnings(
    staff: Annotated[Principal, allowed("insights.warnings.read")],
    deps: Deps,
    estate_id: str | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> dict[str, Any]:
    estates = await queries.scope(deps.buckets, staff, estate_id)
    return {"items": [await _for_reader(deps, staff, w) for w in await deps.warnings.list(estates, limit)]}


@router.get("/warnings/{warning_id}", response_model=EarlyWarning, summary="一条预警 / one warning with its complaints")
async def get_warning(
    staff: Annotated[Principal, allowed("insights.warnings.read")], deps: Deps, warning_id: str
) -> dict[str, Any]:
    found = await deps.warnings.get(warning_id)
    if found is None or not staff.can_see(found["estate_id"]):
        raise NotFound("未找到该预警", "warning not found")
    return await _for_reader(deps, staff, found)


async def _for_reader(deps: Deps, staff: Principal, warning: dict[str, Any]) -> dict[str, Any]:
    """The warning without the complaints that name the reader among their subjects (被投诉人): the
    figures stay (they count, they show nothing), the ids of complaints about them do not."""
    about = await deps.subjects.of_many(warning.get("complaint_ids") or [])
    ids = [c for c in warning.get("complaint_ids") or [] if staff.sub not in about.get(c, ())]
    return {**warning, "complaint_ids": ids}


@router.get(
    "/estates/{estate_id}/warning-thresholds", response_model=Thresholds, summary="预警阈值 / warning thresholds"
)
async def get_thresholds(
    staff: Annotated[Principal, allowed("insights.thresholds.read")], deps: Deps, estate_id: str
) -> Thresholds:
    if not staff.can_see(estate_id):
        raise EstateForbidden()
    return await deps.thresholds.get(estate_id)


@router.put(
    "/estates/{estate_id}/warning-thresholds",
    response_model=Thresholds,
    summary="设置预警阈值 / set thresholds",
)
async def put_thresholds(
    staff: Annotated[Principal, allowed("insights.thresholds.write")], deps: Deps, estate_id: str, body: Thresholds
) -> Thresholds:
    if not staff.can_see(estate_id):
        raise EstateForbidden()
    await deps.thresholds.put(estate_id, body)
    return body
