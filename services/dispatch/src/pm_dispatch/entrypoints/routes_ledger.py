"""The task ledger (台账) over HTTP: filtered pages with counts per status, CSV / XLSX export."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response

from pm_dispatch.adapters import ledger_export
from pm_dispatch.domain.access import Actor
from pm_dispatch.domain.ledger import LedgerFilter
from pm_dispatch.entrypoints.deps import Deps, Now
from pm_dispatch.entrypoints.permissions import acting
from pm_dispatch.entrypoints.schemas import LedgerPageView, task_view
from pm_dispatch.service_layer import ledger

router = APIRouter(prefix="/v1", tags=["ledger"])


def ledger_filter(
    estate: str | None = None,
    department: str | None = None,
    handler: str | None = None,
    status: str | None = None,
    grade: str | None = None,
    overdue: bool = False,
    due_within_hours: Annotated[float | None, Query(gt=0, le=24 * 30)] = None,
    created_from: datetime | None = None,
    created_to: datetime | None = None,
) -> LedgerFilter:
    return LedgerFilter(
        estate=estate,
        department=department,
        handler=handler,
        status=status,
        grade=grade,
        overdue=overdue,
        due_within_hours=due_within_hours,
        created_from=created_from,
        created_to=created_to,
    )


@router.get("/tasks", summary="台账 / the task ledger: filters, counts per status, keyset pages")
async def list_tasks(
    who: Annotated[Actor, acting("ledger.read")],
    deps: Deps,
    now: Now,
    estate: str | None = None,
    department: str | None = None,
    handler: str | None = None,
    status: str | None = None,
    grade: str | None = None,
    overdue: bool = False,
    due_within_hours: Annotated[float | None, Query(gt=0, le=24 * 30, description="about to be overdue")] = None,
    created_from: datetime | None = None,
    created_to: datetime | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: str | None = None,
) -> LedgerPageView:
    flt = ledger_filter(estate, department, handler, status, grade, overdue, due_within_hours, created_from, created_to)
    result = await ledger.query(deps.ledger, deps.repo, who, flt, now, limit, cursor)
    items = [task_view(t) for t in result.items]
    return LedgerPageView(items=items, counts=result.counts, total=result.total, next_cursor=result.next_cursor)


EXPORT_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "CSV (UTF-8, BOM) or XLSX (sheet 台账)",
        "content": {
            "text/csv": {"schema": {"type": "string"}},
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {
                "schema": {"type": "string", "format": "binary"}
            },
        },
    }
}


@router.get(
    "/ledger/export",
    summary="台账导出 / export the ledger (CSV or XLSX)",
    response_class=Response,
    responses=EXPORT_RESPONSES,
)
async def export(
    who: Annotated[Actor, acting("ledger.export")],
    deps: Deps,
    now: Now,
    format: Literal["csv", "xlsx"] = "csv",
    estate: str | None = None,
    department: str | None = None,
    handler: str | None = None,
    status: str | None = None,
    grade: str | None = None,
    overdue: bool = False,
    due_within_hours: Annotated[float | None, Query(gt=0, le=24 * 30)] = None,
    created_from: datetime | None = None,
    created_to: datetime | None = None,
) -> Response:
    flt = ledger_filter(estate, department, handler, status, grade, overdue, due_within_hours, created_from, created_to)
    tasks = await ledger.export_tasks(deps.ledger, deps.repo, who, flt, now)
    stamp = now.strftime("%Y%m%d-%H%M")
    if format == "xlsx":
        media = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        body = ledger_export.to_xlsx(tasks)
    else:
        media, body = "text/csv; charset=utf-8", ledger_export.to_csv(tasks)
    headers = {"Content-Disposition": f'attachment; filename="tasks-{stamp}.{format}"'}
    return Response(body, media_type=media, headers=headers)
