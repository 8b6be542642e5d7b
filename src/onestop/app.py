"""create_app(): wires settings, database, middleware, routers, and maps errors to problems."""

from __future__ import annotations

import gc
import logging
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from onestop import __version__
from onestop.db import make_engine, make_sessionmaker
from onestop.errors import DomainError
from onestop.health import router as health_router
from onestop.httpapi import PROBLEM_MEDIA_TYPE, PROBLEM_RESPONSES
from onestop.observability import (
    BodySizeLimitMiddleware,
    Metrics,
    RequestContextMiddleware,
    configure_logging,
)
from onestop.settings import Settings, get_settings

log = logging.getLogger("onestop.app")

API_PREFIX = "/api/v1"
#: The cyclic collector's thresholds in a server process. A 2,000-row report allocates some
#: hundred thousand objects: at the default (700, 10, 10) that is a young collection every 700
#: and an older one every 7,000, each walking the caches built since start-up. One client asking
#: two workers for the on-time report of 2,000 units back to back, same run (bench/RESULTS.md):
#: p99 21 → 11–12 ms, p50 10.5 → 9.0 ms.
GC_THRESHOLDS = (20_000, 20, 100)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    configure_logging(settings.log_level, settings.log_json)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        worker = None  # issue 6: the worklist job runs in-process under `make run` on SQLite
        if settings.is_sqlite and settings.run_worker_in_app:
            from onestop.metrics.alerts_worker import start_in_app

            worker = start_in_app(
                app.state.sessionmaker,
                settings.worker_interval_seconds,
                settings.idempotency_key_days,
            )
        if settings.environment != "test":
            # Everything loaded so far (routes, models, calendars) lives as long as the process:
            # keep it out of the cyclic collector's full passes, which otherwise walk it again and
            # again under load. Not under tests, where many apps come and go in one process.
            gc.collect()
            gc.freeze()
            gc.set_threshold(*GC_THRESHOLDS)
        yield
        if worker is not None:
            await worker.close()
        await app.state.engine.dispose()

    app = FastAPI(
        title="onestop",
        version=__version__,
        summary="Một cửa, một cửa liên thông: dossiers, working-time deadlines, on-time rates",
        lifespan=lifespan,
        responses=PROBLEM_RESPONSES,
        # Metrics are Prometheus's and logs JSON lines (observability.py); FastAPI's native
        # OpenTelemetry stays off rather than asking for providers on every request.
        telemetry={"tracing": False, "metrics": False, "logs": False},
    )
    app.state.settings = settings
    app.state.engine = make_engine(settings)
    app.state.sessionmaker = make_sessionmaker(app.state.engine)
    app.state.metrics = Metrics()

    _install_error_handlers(app)
    app.add_middleware(BodySizeLimitMiddleware, max_bytes=settings.max_body_bytes)
    app.add_middleware(RequestContextMiddleware, metrics=app.state.metrics)
    _include_routers(app)
    return app


def _include_routers(app: FastAPI) -> None:
    from onestop.auth.router import router as auth_router
    from onestop.catalog.router import router as catalog_router
    from onestop.dossiers import intake_route
    from onestop.dossiers.router import router as dossiers_router
    from onestop.forms.router import router as forms_router
    from onestop.metrics import worklists_route
    from onestop.metrics.router_reports import router as reports_router  # issue 7
    from onestop.metrics.router_worklists import router as worklists_router

    app.include_router(health_router)
    # Routes are matched in order: the busiest (intake and dossier actions, then the officers'
    # worklists) come first.
    app.include_router(dossiers_router, prefix=API_PREFIX)
    app.include_router(worklists_router, prefix=API_PREFIX)
    # The usual intake and worklist requests skip FastAPI's machinery (see fast_routes).
    app.router.routes[0:0] = [
        intake_route.route(API_PREFIX + "/dossiers"),
        *worklists_route.routes(API_PREFIX),
    ]
    app.include_router(auth_router, prefix=API_PREFIX)
    app.include_router(catalog_router, prefix=API_PREFIX)
    app.include_router(forms_router, prefix=API_PREFIX)
    app.include_router(reports_router, prefix=API_PREFIX)  # issue 7
    from onestop.web import router as web  # web client: pages + static files, not in OpenAPI

    app.include_router(web.router, include_in_schema=False)
    app.mount(web.STATIC_PREFIX, web.static_files(), name="web-static")


def problem(
    request: Request,
    status: int,
    code: str,
    title: str,
    detail: str | None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": f"/problems/{code}",
        "title": title,
        "status": status,
        "detail": detail,
        "instance": request.url.path,
        "request_id": getattr(request.state, "request_id", None),
    }
    body.update(extra)
    headers = dict(headers or {})
    if status == 401:
        headers["WWW-Authenticate"] = "Bearer"
    return JSONResponse(body, status_code=status, media_type=PROBLEM_MEDIA_TYPE, headers=headers)


#: Methods an ``Allow`` header may name.
METHODS = ("DELETE", "GET", "HEAD", "PATCH", "POST", "PUT")


def _documented_methods(app: FastAPI, path: str) -> list[str] | None:
    """The methods the OpenAPI document gives the path, or None when it documents no such path.
    A static path wins over a template that also matches it (``/dossiers/import`` is not
    ``/dossiers/{code}``)."""
    if not hasattr(app.state, "path_patterns"):
        app.state.path_patterns = [
            (re.compile("^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(t)) + "$"), t, ops)
            for t, ops in app.openapi()["paths"].items()
        ]
    hits = [(t.count("{"), ops) for rx, t, ops in app.state.path_patterns if rx.match(path)]
    if not hits:
        return None
    ops = min(hits, key=lambda h: h[0])[1]
    return sorted(m.upper() for m in ops if m.upper() in METHODS)


def _allowed_methods(request: Request) -> list[str]:
    """Every method served on this path: the documented ones for the API; elsewhere asked of the
    routes one method at a time (FastAPI registers one route per method and nests included
    routers, so Starlette's own Allow header names only the first route's)."""
    documented = _documented_methods(request.app, request.url.path)
    if documented is not None:
        return documented
    routes = request.app.router.routes
    return [
        method
        for method in METHODS
        if any(
            route.matches({**request.scope, "method": method})[0] == Match.FULL for route in routes
        )
    ]


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def domain_error(request: Request, exc: DomainError) -> JSONResponse:
        headers = (
            {"Retry-After": str(exc.extra["retry_after"])} if "retry_after" in exc.extra else None
        )
        return problem(request, exc.status, exc.code, exc.title, exc.detail, headers, **exc.extra)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {
                "loc": [str(p) for p in e.get("loc", ())],
                "msg": str(e.get("msg", "")),
                "type": str(e.get("type", "")),
            }
            for e in exc.errors()
        ]
        if any(e["type"] == "json_invalid" for e in errors):
            return problem(
                request,
                400,
                "malformed-json",
                "Malformed JSON",
                "Nội dung JSON không hợp lệ (the request body is not valid JSON)",
                errors=errors,
            )
        return problem(
            request,
            422,
            "invalid-input",
            "Invalid input",
            "Dữ liệu gửi lên không hợp lệ (the request failed validation)",
            errors=errors,
        )

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        titles = {404: "Not found", 405: "Method not allowed", 400: "Bad request"}
        headers = dict(exc.headers or {})
        if exc.status_code == 405:
            headers["Allow"] = ", ".join(_allowed_methods(request))
        code = {404: "not-found", 405: "method-not-allowed"}.get(exc.status_code, "http-error")
        return problem(
            request,
            exc.status_code,
            code,
            titles.get(exc.status_code, "HTTP error"),
            str(exc.detail),
            headers=headers,
        )

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return problem(
            request,
            500,
            "internal-error",
            "Internal server error",
            "Lỗi hệ thống; hãy báo mã yêu cầu cho quản trị"
            " (quote the request id to an administrator)",
        )
