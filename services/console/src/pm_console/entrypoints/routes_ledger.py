"""The ledger (台账) over intake's ledger API: filters, status colours, keyset paging, CSV export,
and one item with its timeline. Estate scope is the session's: intake answers only those estates."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Path, Request
from fastapi.responses import Response, StreamingResponse

from pm_console.domain import ledger
from pm_console.entrypoints.deps import Current, CurrentDep, Deps
from pm_console.entrypoints.i18n import lang_of
from pm_console.entrypoints.permissions import allowed, permit
from pm_console.entrypoints.views import render
from pm_console.service_layer import item_view
from pm_console.service_layer.ports import PlatformError

router = APIRouter(tags=["台账 ledger"])
PAGE_SIZE = 20
ComplaintId = Annotated[str, Path(pattern=r"^[A-Za-z0-9_-]{1,64}$")]


def _filters(request: Request) -> dict[str, str]:
    return ledger.clean_filters(dict(request.query_params))


def _timezone(deps: Deps, filters: dict[str, str]) -> str:
    estate = deps.estates.get(filters.get("estate_id", ""))
    return estate.timezone if estate else deps.estates.default_tz


async def _page(deps: Deps, current: Current, query: dict[str, str], cursor: str | None, size: int) -> dict[str, Any]:
    params = {**query, "page_size": str(size)}
    if cursor:
        params["cursor"] = cursor
    result: dict[str, Any] = await deps.platform.call(
        "intake", "GET", "/v1/complaints", token=current.token, params=params
    )
    return result


@router.get("/ledger", include_in_schema=False)
async def ledger_page(request: Request, current: CurrentDep, deps: Deps) -> Response:
    permit(current.session, "ledger.read")
    filters = _filters(request)
    cursor = request.query_params.get("cursor")
    result = await _page(deps, current, ledger.intake_query(filters, _timezone(deps, filters)), cursor, PAGE_SIZE)
    next_link = (
        "/ledger?" + urlencode({**filters, "cursor": result["next_cursor"]}) if result.get("next_cursor") else None
    )
    return render(
        request,
        "ledger.html",
        session=current.session,
        allowed=lambda action: allowed(current.session, action),
        estates=deps.estates.visible(current.session.estates),
        filters=filters,
        result=result,
        local_time=deps.estates.local_time,
        next_link=next_link,
        first_link="/ledger?" + urlencode(filters) if cursor else None,
        export_link="/ledger/export.csv?" + urlencode(filters),
    )


EXPORT_COLUMNS = (
    ("reference_no", "登记编号", "Reference"),
    ("estate_id", "项目", "Estate"),
    ("received_at", "登记时间（当地）", "Received (local)"),
    ("status", "状态", "Status"),
    ("channel", "渠道", "Channel"),
    ("category", "类别", "Category"),
    ("urgency_reported", "紧急程度", "Urgency"),
    ("content", "内容", "Content"),
    ("owner_name", "业主（脱敏）", "Owner (masked)"),
    ("owner_phone", "电话（脱敏）", "Phone (masked)"),
    ("department", "部门", "Department"),
    ("handler_id", "承办人", "Handler"),
)


@router.get("/ledger/export.csv", include_in_schema=False)
async def export_csv(request: Request, current: CurrentDep, deps: Deps) -> Response:
    """Every item of the filters (up to 10,000), paged through intake with its cursor; UTF-8 with BOM
    so spreadsheet programs read the Chinese text."""
    permit(current.session, "ledger.export")
    filters = _filters(request)
    query = ledger.intake_query(filters, _timezone(deps, filters))
    lang = lang_of(request)
    first = await _page(deps, current, query, None, 100)  # before the answer starts: intake down is a 503

    async def rows() -> AsyncIterator[str]:
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow([en if lang == "en" else zh for _, zh, en in EXPORT_COLUMNS])
        yield "\ufeff" + out.getvalue()
        cursor: str | None = None
        sent = 0
        while sent < ledger.EXPORT_MAX_ROWS:
            page = first if cursor is None else await _page(deps, current, query, cursor, 100)
            out.seek(0)
            out.truncate()
            for item in page["items"]:
                item = {**item, "received_at": deps.estates.local_time(item.get("received_at"), item.get("estate_id"))}
                item["status"] = ledger.status_label(item.get("status", ""), lang)
                writer.writerow([ledger.spreadsheet_safe(item.get(key)) for key, _, _ in EXPORT_COLUMNS])
            sent += len(page["items"])
            yield out.getvalue()
            cursor = page.get("next_cursor")
            if not cursor:
                break

    return StreamingResponse(
        rows(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="ledger.csv"', "Cache-Control": "no-store"},
    )


@router.get("/items/{complaint_id}", include_in_schema=False)
async def item_page(request: Request, complaint_id: ComplaintId, current: CurrentDep, deps: Deps) -> Response:
    permit(current.session, "item.read")
    item = await deps.platform.call("intake", "GET", f"/v1/complaints/{complaint_id}", token=current.token)
    try:
        triage = await deps.platform.call("triage", "GET", f"/v1/triages/{complaint_id}", token=current.token)
    except PlatformError as exc:
        if exc.status not in (403, 404, 503):
            raise
        triage = None  # not classified yet, or triage unreachable: the register is still shown
    view = await item_view.gather(deps.platform, current.token, item.get("complaint_id", complaint_id))
    return render(
        request,
        "item.html",
        session=current.session,
        allowed=lambda action: allowed(current.session, action),
        item=item,
        triage=triage,
        view=view,
        back=None,
        notice=request.query_params.get("notice"),
        error=request.query_params.get("error"),
        local_time=deps.estates.local_time,
    )
