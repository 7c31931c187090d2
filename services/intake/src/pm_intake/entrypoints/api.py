"""HTTP API of intake: routers and error mapping. Entry points only parse, call, shape.

The body-size limit (``INTAKE_MAX_BODY_BYTES``) is pm_common's, installed for every service."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from pm_common.openapi import document_errors
from pm_common.service import create_service_app
from pm_intake.bootstrap import build_runtime
from pm_intake.config import IntakeSettings
from pm_intake.entrypoints import (
    routes_admin,
    routes_internal,
    routes_ledger,
    routes_open311,
    routes_owner,
    routes_register,
    routes_subjects,
)
from pm_intake.entrypoints.errors import install_intake_errors

DESCRIPTION = """
所有渠道的统一登记（《业主意见处理登记表》）、即时回执、复述确认、当场答复办结、业主进度查询、
Open311 GeoReport v2 兼容接口、对接系统接入密钥、台账查询与个人信息审计。

Every channel's register, immediate acknowledgement, read-back, on-the-spot closure, owner tracking,
Open311 GeoReport v2, integration keys, the staff ledger and audited personal-data reveals.
See docs/intake.md.
"""


def create_app(settings: IntakeSettings | None = None) -> FastAPI:
    settings = settings or IntakeSettings()
    app = create_service_app(
        settings,
        build_runtime,
        title="投诉受理服务 Intake",
        description=DESCRIPTION,
        routers=[
            routes_register.router,
            routes_ledger.router,
            routes_subjects.router,
            routes_owner.router,
            routes_admin.router,
            routes_open311.router,
            routes_internal.router,  # service-to-service (the notifier's contact lookup)
        ],
    )
    install_intake_errors(app)
    document_errors(app, owner_prefixes=("/v1/owner",), foreign=routes_open311.DOCUMENTED_ERRORS)

    @app.exception_handler(routes_open311.Open311Error)
    async def _open311(_: Request, exc: routes_open311.Open311Error) -> JSONResponse:
        return routes_open311.open311_error_response(exc)

    return app
