"""Building and running a service process: FastAPI app with lifespan-managed runtime, uvicorn."""

from __future__ import annotations

import logging
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import uvicorn
from fastapi import APIRouter, FastAPI, Request, Response
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from pm_common.api import install_error_handlers, install_health_routes
from pm_common.bodylimit import install_body_limit
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
        runtime.watch_broker()
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

    if settings.trusted_proxy_list:  # otherwise X-Forwarded-For is ignored: the TCP peer is the client
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=settings.trusted_proxy_list)
    install_body_limit(app, settings.max_body_bytes)  # outermost: before routing and authentication

    def probes() -> ServiceRuntime:
        runtime: ServiceRuntime = app.state.runtime
        return runtime

    install_health_routes(app, probes)
    for router in routers:
        app.include_router(router)
    return app


def runtime_of(request: Request) -> ServiceRuntime:
    runtime: ServiceRuntime = request.app.state.runtime
    return runtime


def run(settings: CommonSettings, app_factory: Callable[[], FastAPI]) -> None:
    """Entry point of ``python -m pm_<service>``."""
    configure_logging(settings.service_name, settings.log_level, settings.log_json)
    uvicorn.run(app_factory(), **server_options(settings))


def server_options(settings: CommonSettings) -> dict[str, Any]:
    """uvicorn options of every service. uvicorn's own proxy-header handling is off (by default it
    believes X-Forwarded-For from 127.0.0.1): the app applies ``PM_TRUSTED_PROXIES`` itself."""
    return {
        "host": settings.host,
        "port": settings.port,
        "log_config": None,
        "access_log": False,
        "proxy_headers": False,
    }
