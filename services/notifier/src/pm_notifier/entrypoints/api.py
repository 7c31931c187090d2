"""HTTP API of the notifier: deliveries and their attempts, urgent pages, return visits, settings,
owner pages (H5) and the internal routes for providers and intake. See docs/notifier.md."""

from __future__ import annotations

from fastapi import FastAPI

from pm_common.openapi import document_errors
from pm_common.service import create_service_app
from pm_notifier.bootstrap import build_runtime
from pm_notifier.config import NotifierSettings
from pm_notifier.entrypoints import h5, routes_deliveries, routes_followup, routes_paging
from pm_notifier.entrypoints.errors import install_notifier_errors


def create_app(settings: NotifierSettings | None = None) -> FastAPI:
    app = create_service_app(
        settings or NotifierSettings(),
        build_runtime,
        title="通知反馈服务 Notifier",
        description="短信、微信、邮件、推送与值班呼叫；投递状态；紧急呼叫升级；满意度问卷与回访 / "
        "SMS, WeChat, e-mail, push and paging; delivery state; urgent paging; surveys and return visits",
        routers=[routes_deliveries.router, routes_paging.router, routes_followup.router, h5.router],
    )
    install_notifier_errors(app)
    document_errors(app)
    return app
