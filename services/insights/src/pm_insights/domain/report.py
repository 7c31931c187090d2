"""Weekly and monthly reports: the period of a report, and its figures as titled tables (bilingual
labels, Simplified Chinese first), which the XLSX and PDF writers lay out as they are."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Literal

ReportKind = Literal["weekly", "monthly"]
STAGE_LABELS = {"dispatch": "派单 dispatch", "onsite": "到场 on site", "resolve": "处理 resolve",
                "return_visit": "回访 return visit"}  # fmt: skip
NATURE_LABELS = {
    "engineering": "工程维修 engineering",
    "cleaning_greening": "保洁绿化 cleaning & greening",
    "security_order": "安全秩序 security",
    "customer_service": "客户服务 customer service",
    "fees_finance": "收费财务 fees",
    "community_culture": "社区文化 community",
    "other": "其他 other",
    "untriaged": "未分类 not classified",
}


@dataclass(frozen=True)
class Section:
    title: str
    header: tuple[str, ...]
    rows: list[tuple[Any, ...]]


def period_of(kind: ReportKind, day: date) -> tuple[date, date, str]:
    """The ISO week (Monday to Sunday) or the calendar month containing ``day``, and its label."""
    if kind == "weekly":
        start = day - timedelta(days=day.weekday())
        year, week, _ = start.isocalendar()
        return start, start + timedelta(days=6), f"{year}-W{week:02d}"
    start = day.replace(day=1)
    end = (start + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    return start, end, start.strftime("%Y-%m")


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def sections(f: dict[str, Any]) -> list[Section]:
    sat, fcr, rep, ro = f["satisfaction"], f["first_contact_resolution"], f["repeat_households"], f["reopen"]
    summary = [
        ("投诉总数 complaints", f["complaints"]),
        ("首次解决率 first-contact resolution", _pct(fcr["rate"])),
        ("满意率 satisfied (surveys)", _pct(sat["satisfied_rate"])),
        ("平均评分 mean score", "—" if sat["mean_score"] is None else sat["mean_score"]),
        ("回访满意率 satisfied (return visits)", _pct(sat["return_visit_satisfied_rate"])),
        ("重复投诉户数 repeat households", rep["repeat_households"]),
        ("重开率 reopen rate", _pct(ro["rate"])),
    ]
    by_nature = [(NATURE_LABELS.get(k, k), n) for k, n in f["by_nature"].items()]
    return [
        Section("概览 Summary", ("指标 figure", "数值 value"), summary),
        Section("按项目 By estate", ("项目 estate", "件数 complaints"), list(f["by_estate"].items())),
        Section("按性质 By nature", ("性质 nature", "件数 complaints"), by_nature),
        Section("按渠道 By channel", ("渠道 channel", "件数 complaints"), list(f["by_channel"].items())),
        Section("按承办人 By handler", ("承办人 handler", "件数 complaints"), list(f["by_handler"].items())),
        Section("按日 By day", ("日期 day", "件数 complaints"), list(f["by_period"].items())),
        Section(
            "时限达标 SLA compliance",
            ("阶段 stage", "计量 measured", "达标 met", "超时 late", "达标率 compliance"),
            [(STAGE_LABELS[s], v["measured"], v["met"], v["late"], _pct(v["compliance"])) for s, v in f["sla"].items()],
        ),
    ]
