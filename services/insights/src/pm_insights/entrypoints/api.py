"""HTTP API of insights: statistics, early warnings and their thresholds, reports."""

from __future__ import annotations

from fastapi import FastAPI

from pm_common.openapi import document_errors
from pm_common.service import create_service_app
from pm_insights.bootstrap import build_runtime
from pm_insights.config import InsightsSettings
from pm_insights.entrypoints import routes_reports, routes_stats, routes_warnings
from pm_insights.entrypoints.errors import install_insights_errors


def create_app(settings: InsightsSettings | None = None) -> FastAPI:
    app = create_service_app(
        settings or InsightsSettings(),
        build_runtime,
        title="统计分析服务 Insights",
        description="统计、预警与周报月报 / statistics, early warnings and weekly / monthly reports",
        routers=[routes_stats.router, routes_warnings.router, routes_reports.router],
    )
    install_insights_errors(app)
    document_errors(app)
    return app
