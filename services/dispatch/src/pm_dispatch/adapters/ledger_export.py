"""The ledger as a file: CSV (UTF-8 with BOM, so spreadsheet software shows Chinese) or XLSX."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from datetime import datetime

from openpyxl import Workbook

from pm_dispatch.domain.lifecycle import STATUS_ZH
from pm_dispatch.domain.task import Task

COLUMNS = [
    ("task_id", "任务单号"),
    ("complaint_id", "投诉编号"),
    ("estate_id", "项目"),
    ("status", "状态"),
    ("status_zh", "状态（中文）"),
    ("category", "性质"),
    ("urgency", "紧急程度"),
    ("grade", "等级"),
    ("department", "承办部门"),
    ("handler", "承办人"),
    ("matter", "事项"),
    ("location", "位置"),
    ("created_at", "派单时间"),
    ("due_at", "时限"),
    ("resolved_at", "办结时间"),
    ("handling_mode", "处理方式"),
    ("result_summary", "处理结果"),
]


def _time(at: datetime | None) -> str:
    return at.isoformat() if at else ""


def record(task: Task) -> list[str]:
    a, r, loc = task.assignee, task.resolution, task.location
    place = "/".join(x for x in (loc.building, loc.unit, loc.room, loc.area) if x)
    return [
        task.id,
        task.complaint_id,
        task.estate_id,
        task.status,
        STATUS_ZH.get(task.status, task.status),
        task.category,
        task.urgency,
        task.grade or "",
        a.department if a else "",
        (a.name or a.person_id or a.contractor_id or "") if a else "",
        task.matter or "",
        place,
        _time(task.created_at),
        _time(task.due_at),
        _time(r.at) if r else "",
        r.handling_mode if r else "",
        r.result_summary if r else "",
    ]


def to_csv(tasks: Iterable[Task]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([zh for _, zh in COLUMNS])
    writer.writerow([en for en, _ in COLUMNS])
    for task in tasks:
        writer.writerow(record(task))
    return ("\ufeff" + out.getvalue()).encode()


def to_xlsx(tasks: Iterable[Task]) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet("台账")
    sheet.append([zh for _, zh in COLUMNS])
    sheet.append([en for en, _ in COLUMNS])
    for task in tasks:
        sheet.append(record(task))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
