"""Statistics and early-warning pages (issue #14 items 3–4): the insights service's figures as tables
and ECharts charts (``static/vendor/echarts.min.js``, fetched from npm by ``make setup``), its
warnings, and its XLSX / PDF reports passed through. Simplified Chinese first, English switch."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import Response

from pm_console.domain import ledger
from pm_console.domain.channels import channel_label
from pm_console.entrypoints import i18n_tasks
from pm_console.entrypoints.deps import Current, CurrentDep, Deps
from pm_console.entrypoints.i18n import lang_of
from pm_console.entrypoints.permissions import allowed, permit
from pm_console.entrypoints.views import render

router = APIRouter(tags=["统计 statistics"])
TEXT: dict[str, tuple[str, str]] = {
    "statistics": ("统计分析", "Statistics"),
    "warnings": ("预警", "Early warnings"),
    "since": ("开始日期", "From"),
    "until": ("结束日期", "To"),
    "period": ("周期", "Period"),
    "day": ("日", "Day"),
    "week": ("周", "Week"),
    "month": ("月", "Month"),
    "all_estates": ("全部项目", "All estates"),
    "show": ("查询", "Show"),
    "complaints": ("投诉总数", "Complaints"),
    "fcr": ("首次解决率", "First-contact resolution"),
    "satisfied": ("满意率", "Satisfied"),
    "mean_score": ("平均评分", "Mean score"),
    "reopen": ("重开率", "Reopen rate"),
    "repeat": ("重复投诉户", "Repeat households"),
    "by_nature": ("按性质", "By nature"),
    "by_channel": ("按渠道", "By channel"),
    "by_handler": ("按承办人", "By handler"),
    "by_estate": ("按项目", "By estate"),
    "by_period": ("按周期", "By period"),
    "sla": ("各阶段时限达标率", "SLA compliance per stage"),
    "stage": ("阶段", "Stage"),
    "measured": ("计量", "Measured"),
    "late": ("超时", "Late"),
    "compliance": ("达标率", "Compliance"),
    "reports": ("报表下载", "Reports"),
    "weekly": ("周报", "Weekly"),
    "monthly": ("月报", "Monthly"),
    "rule": ("规则", "Rule"),
    "key": ("对象", "What"),
    "window": ("时间窗", "Window"),
    "observed": ("实际", "Observed"),
    "baseline": ("基线", "Baseline"),
    "threshold": ("阈值", "Threshold"),
    "estate": ("项目", "Estate"),
    "raised_at": ("预警时间", "Raised"),
    "none": ("暂无预警", "No warnings"),
    "cohort": (
        "按登记日统计：一段时间内登记的投诉及其后续处理",
        "Complaints registered in the period and what became of them",
    ),
    "nature_spike": ("同类投诉激增", "Spike of one nature"),
    "location_spike": ("同一楼栋同类激增", "Spike in one building"),
    "repeat_rising": ("重复投诉上升", "Rising repeat complaints"),
    "reopen_rising": ("重开率上升", "Rising reopen rate"),
}


def text(lang: str) -> Any:
    return lambda key: TEXT[key][1 if lang == "en" else 0] if key in TEXT else key


def _dates(request: Request) -> tuple[str, str]:
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date()
    since, until = request.query_params.get("since", ""), request.query_params.get("until", "")
    try:
        first, last = date.fromisoformat(since), date.fromisoformat(until)
    except ValueError:
        first, last = today.replace(day=1), today
    return first.isoformat(), last.isoformat()


def _page(request: Request, current: Current, template: str, **context: Any) -> Response:
    return render(
        request,
        template,
        session=current.session,
        allowed=lambda action: allowed(current.session, action),
        tx=text(lang_of(request)),
        **context,
    )


@router.get("/statistics", include_in_schema=False)
async def statistics(request: Request, current: CurrentDep, deps: Deps) -> Response:
    permit(current.session, "insights.statistics")
    since, until = _dates(request)
    period = request.query_params.get("period", "day")
    period = period if period in ("day", "week", "month") else "day"
    params = {"since": since, "until": until, "period": period}
    estate = request.query_params.get("estate_id") or ""
    if estate:
        params["estate_id"] = estate
    figures = await deps.platform.call("insights", "GET", "/v1/statistics", token=current.token, params=params)
    lang = lang_of(request)
    labels = {
        "nature": {k: ledger.label(ledger.CATEGORIES, k, lang) for k in figures["by_nature"]},
        "channel": {k: channel_label(k, lang) for k in figures["by_channel"]},
        "stage": {k: ledger.label(i18n_tasks.STAGES, k, lang) for k in figures["sla"]},
        "titles": {k: text(lang)(k) for k in ("by_nature", "by_channel", "by_period", "sla", "by_handler")},
    }
    chart = json.dumps({"figures": figures, "labels": labels}, ensure_ascii=False)
    return _page(
        request, current, "statistics.html", f=figures, labels=labels, chart_data=chart,
        since=since, until=until, period=period, estate=estate, estates=current.session.estates,
    )  # fmt: skip


@router.get("/statistics/report", include_in_schema=False)
async def report(request: Request, current: CurrentDep, deps: Deps) -> Response:
    permit(current.session, "insights.reports")
    params = {k: v for k, v in request.query_params.items() if k in ("day", "format", "estate_id") and v}
    kind = "monthly" if request.query_params.get("kind") == "monthly" else "weekly"
    body, headers = await deps.platform.download("insights", f"/v1/reports/{kind}", token=current.token, params=params)
    return Response(body, headers=headers)


@router.get("/warnings", include_in_schema=False)
async def warnings(request: Request, current: CurrentDep, deps: Deps) -> Response:
    permit(current.session, "insights.warnings")
    found = await deps.platform.call("insights", "GET", "/v1/warnings", token=current.token, params={"limit": "200"})
    return _page(request, current, "warnings.html", items=found["items"])
