"""HTTP API of dispatch: routers and error mapping. Entry points only parse, permit, call, shape."""

from __future__ import annotations

from fastapi import FastAPI

from pm_common.openapi import document_errors
from pm_common.service import create_service_app
from pm_dispatch.bootstrap import build_runtime
from pm_dispatch.config import DispatchSettings
from pm_dispatch.entrypoints import routes_contact, routes_handling, routes_ledger, routes_org, routes_tasks
from pm_dispatch.entrypoints.errors import install_dispatch_errors

DESCRIPTION = """
任务单（《业主意见处理任务单》）与办理全流程：接单、退单改派、预约、到场签到、处理、办结、客服核实、
回访后关闭、重新处理、撤销；处理方案审批、延期审批、暂停与恢复、工作日志、业主可见进度与内部备注、
多部门子任务与会商、群诉父子任务；台账查询、按状态统计与 CSV / XLSX 导出。

Task sheets and the whole handling lifecycle, plans, extensions, pauses, work log, notes, sub-tasks,
consultations, group-incident parent tasks, and the ledger with counts and exports. See docs/dispatch.md.
"""


def create_app(settings: DispatchSettings | None = None) -> FastAPI:
    app = create_service_app(
        settings or DispatchSettings(),
        build_runtime,
        title="派单执行服务 Dispatch",
        description=DESCRIPTION,
        routers=[
            routes_ledger.router,
            routes_tasks.router,
            routes_handling.router,
            routes_contact.router,
            routes_org.router,
        ],
    )
    install_dispatch_errors(app)
    document_errors(app)
    return app
