"""The ledger as an Excel workbook (openpyxl, write-only): the same items, columns and masking as the
CSV export, one sheet 台账, at most ``ledger.EXPORT_MAX_ROWS`` rows, paged through intake."""

from __future__ import annotations

import io

from fastapi import APIRouter, Request
from fastapi.responses import Response
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from pm_console.domain import ledger
from pm_console.entrypoints.deps import CurrentDep, Deps
from pm_console.entrypoints.i18n import lang_of
from pm_console.entrypoints.permissions import permit
from pm_console.entrypoints.routes_ledger import EXPORT_COLUMNS, _filters, _page, _timezone

router = APIRouter(tags=["台账 ledger"])
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@router.get("/ledger/export.xlsx", include_in_schema=False)
async def export_xlsx(request: Request, current: CurrentDep, deps: Deps) -> Response:
    permit(current.session, "ledger.export_xlsx")
    filters = _filters(request)
    query = ledger.intake_query(filters, _timezone(deps, filters))
    lang = lang_of(request)
    rows: list[list[object]] = []  # read every page first: a failing upstream leaves no half-written book
    cursor: str | None = None
    while len(rows) < ledger.EXPORT_MAX_ROWS:
        page = await _page(deps, current, query, cursor, 100)
        for item in page["items"]:
            item = {**item, "received_at": deps.estates.local_time(item.get("received_at"), item.get("estate_id"))}
            item["status"] = ledger.status_label(item.get("status", ""), lang)
            rows.append([ledger.spreadsheet_safe(item.get(key)) for key, _, _ in EXPORT_COLUMNS])
        cursor = page.get("next_cursor")
        if not cursor:
            break
    book = Workbook(write_only=True)
    sheet = book.create_sheet("台账" if lang != "en" else "Ledger")
    bold = Font(bold=True)
    header = []
    for _, zh, en in EXPORT_COLUMNS:
        cell = WriteOnlyCell(sheet, value=en if lang == "en" else zh)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    headers = {"Content-Disposition": 'attachment; filename="ledger.xlsx"', "Cache-Control": "no-store"}
    return Response(out.getvalue(), media_type=XLSX, headers=headers)
