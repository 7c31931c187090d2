"""Building and running a service process: FastAPI app with lifespan-managed runtime, uvicorn."""

from __future__ import annotations

import logging
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import uvicorn
from fastapi import APIRouter, FastAPI, Request, Response

from pm_common.api import install_error_handlers, install_health_routes
from pm_common.logging import configure_logging, correlation_id
from pm_common.runtime import ServiceRuntime
from pm_common.settings import CommonSettings

log = logging.getLogger(__name__)


def create_service_app(
    settings: CommonSettings,
    build_runtime: Callable[[CommonSettings], ServiceRuntime],
    *,
    title: str,
    description: str = "",
    routers: list[APIRouter] = (),  # type: ignore[assignment]
) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        runtime = build_runtime(settings)
        app.state.runtime = runtime
        await runtime.start()
        log.info("%s started on %s:%s", settings.service_name, settings.host, settings.port)
        try:
            yield
        finally:
            await runtime.stop()
            log.info("%s stopped", settings.service_name)

    app = FastAPI(title=title, description=description, version="0.1.0", lifespan=lifespan)
    app.state.settings = settings
    install_error_handlers(app)

    @app.middleware("http")
    async def correlation(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        """Carry ``X-Correlation-ID`` (or a new one) into logs and every event this request causes."""
        cid = request.headers.get("x-correlation-id") or uuid.uuid4().hex
        token = correlation_id.set(cid[:64])
        try:
            response = await call_next(request)
        finally:
            correlation_id.reset(token)
        response.headers["X-Correlation-ID"] = cid[:64]
        return response

    async def health() -> dict[str, Any]:
        runtime: ServiceRuntime = app.state.runtime
        return await runtime.health()

    install_health_routes(app, health)
    for router in routers:
        app.include_router(router)
    return app


def runtime_of(request: Request) -> ServiceRuntime:
    runtime: ServiceRuntime = request.app.state.runtime
    return runtime


def run(settings: CommonSettings, app_factory: Callable[[], FastAPI]) -> None:
    """Entry point of ``python -m pm_<service>``."""
    configure_logging(settings.service_name, settings.log_level, settings.log_json)
    uvicorn.run(app_factory(), host=settings.host, port=settings.port, log_config=None, access_log=False)
