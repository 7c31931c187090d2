"""Weekly and monthly reports as XLSX or PDF files."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Response

from pm_common.auth import Principal
from pm_insights.domain.report import ReportKind, period_of, sections
from pm_insights.entrypoints.deps import Deps, Settings
from pm_insights.entrypoints.permissions import allowed
from pm_insights.service_layer import queries

router = APIRouter(prefix="/v1", tags=["reports"])
TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}
NAMES = {"weekly": "周报 weekly report", "monthly": "月报 monthly report"}


@router.get(
    "/reports/{kind}",
    summary="周报 / 月报 (XLSX, PDF) / weekly or monthly report",
    response_class=Response,
    responses={200: {"content": {t: {"schema": {"type": "string", "format": "binary"}} for t in TYPES.values()}}},
)
async def report(
    staff: Annotated[Principal, allowed("insights.reports.read")],
    deps: Deps,
    settings: Settings,
    kind: ReportKind,
    day: date,
    format: Literal["xlsx", "pdf"] = "xlsx",
    estate_id: str | None = None,
) -> Response:
    estates = await queries.scope(deps.buckets, staff, estate_id)
    since, until, label = period_of(kind, day)
    figures = await queries.statistics(deps.buckets, estates, since, until, "day", settings.max_period_days)
    title = f"投诉{NAMES[kind]} {label}"
    subtitle = f"{'、'.join(estates) or '—'} · {since.isoformat()} — {until.isoformat()}（按登记日 by day received）"
    body = deps.reports[format](title, subtitle, sections(figures))
    filename = f"complaints-{kind}-{label}.{format}"
    return Response(
        body, media_type=TYPES[format], headers={"Content-Disposition": f'attachment; filename="{filename}"'}
    )
