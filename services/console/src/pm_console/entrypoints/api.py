"""HTTP app of the console: pages, their JSON calls, static assets and error mapping."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from pm_common.openapi import document_errors
from pm_common.service import create_service_app
from pm_console.bootstrap import build_runtime
from pm_console.config import ConsoleSettings
from pm_console.entrypoints import (
    routes_auth,
    routes_desk,
    routes_export,
    routes_incidents,
    routes_insights,
    routes_ledger,
    routes_owner,
    routes_queues,
    routes_reviews,
    routes_tasks,
)
from pm_console.entrypoints.errors import install_console_errors
from pm_console.entrypoints.views import HERE

DESCRIPTION = """
员工工作台（登录、前台登记、台账）与业主 H5 页面；只通过各服务的 HTTP 接口工作，账号与会话存于自己的数据库。

The staff console (log-in, front desk, ledger) and the owner H5 pages, a backend-for-frontend over the
platform's HTTP APIs with its own database of staff accounts and sessions. See docs/console.md.
"""


def create_app(settings: ConsoleSettings | None = None) -> FastAPI:
    settings = settings or ConsoleSettings()
    app = create_service_app(
        settings,
        build_runtime,
        title="员工工作台与业主页面 Console",
        description=DESCRIPTION,
        routers=[
            routes_auth.router,
            routes_desk.router,
            routes_export.router,
            routes_ledger.router,
            routes_tasks.router,
            routes_queues.router,
            routes_incidents.router,
            routes_reviews.router,
            routes_owner.router,
            routes_insights.router,
        ],
    )
    install_console_errors(app)
    # /api/… needs a staff session (cookie + CSRF header), an owner's items an owner token: 401 / 403
    document_errors(app, prefixes=("/api/", "/h5/api/"), owner_prefixes=("/api/", "/h5/api/complaints"))
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    return app
