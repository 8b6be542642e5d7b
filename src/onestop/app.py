"""create_app(): the application, wired explicitly — settings, database and its session hooks,
middleware, error mapping, and every router in the order requests are matched."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from sqlalchemy.exc import SQLAlchemyError

from onestop import __version__
from onestop.auth.rights import RIGHT_DESCRIPTIONS
from onestop.auth.router import router as auth_router
from onestop.catalog.router import router as catalog_router
from onestop.core.db import make_engine
from onestop.core.logs import configure_logging
from onestop.core.settings import Settings, get_settings
from onestop.documents import router as documents
from onestop.dossiers.intake import group_commit, route as intake_route
from onestop.dossiers.router import router as dossiers_router
from onestop.forms.router import router as forms_router
from onestop.http import fast_path, openapi
from onestop.http.health import router as health_router
from onestop.http.middleware import (
    BodySizeLimitMiddleware,
    Metrics,
    RejectNulMiddleware,
    RequestContextMiddleware,
)
from onestop.http.problems import ErrorBoundary, install_error_handlers
from onestop.integration import worker as integration_worker
from onestop.integration.router import router as integration_router
from onestop.metrics import rollups
from onestop.metrics.alerts import worker as alerts_worker
from onestop.metrics.alerts.router import router as tasks_router
from onestop.metrics.router import router as reports_router
from onestop.metrics.worklists import route as worklists_route
from onestop.metrics.worklists.router import router as worklists_router
from onestop.signing.directory import SignerDirectory
from onestop.signing.router import router as signatures_router
from onestop.signing.verify import TrustRoots
from onestop.web import router as web
from onestop.wiring import make_sessionmaker

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
        worker = None  # the worklist job runs in-process under `make run` on SQLite
        if settings.is_sqlite and settings.run_worker_in_app:
            worker = alerts_worker.start_in_app(
                app.state.sessionmaker,
                settings.worker_interval_seconds,
                settings.idempotency_key_days,
                extra=integration_worker.passes(app.state.sessionmaker, settings),
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
        # Error responses per operation, files, scopes, servers: http.openapi.
        generate_unique_id_function=openapi.operation_id,
        # Metrics are Prometheus's and logs JSON lines (http.middleware, core.logs); FastAPI's
        # native OpenTelemetry stays off rather than asking for providers on every request.
        telemetry={"tracing": False, "metrics": False, "logs": False},
    )
    app.state.settings = settings
    app.state.engine = make_engine(settings)
    app.state.sessionmaker = make_sessionmaker(app.state.engine)
    app.state.signers = SignerDirectory.from_settings(settings)  # None: forms unsigned
    app.state.trust_roots = TrustRoots.from_settings(settings)
    app.state.metrics = Metrics(samplers=[_sample_intake_queue(app), _sample_rollup_check(app)])

    install_error_handlers(app)
    app.add_middleware(RejectNulMiddleware, page_error=web.page_error)
    app.add_middleware(
        BodySizeLimitMiddleware,
        max_bytes=settings.max_body_bytes,
        uploads=[
            (pattern, settings.document_max_bytes + documents.MULTIPART_SLACK)
            for pattern in (documents.UPLOAD_PATH, web.UPLOAD_PATH)
        ],
    )
    # Inside the request context (the problem names the request id, the access line its status).
    app.add_middleware(ErrorBoundary)
    app.add_middleware(
        RequestContextMiddleware, metrics=app.state.metrics, api_prefix=API_PREFIX + "/"
    )
    _include_routers(app)
    openapi.install(app, scopes=RIGHT_DESCRIPTIONS)
    return app


def _include_routers(app: FastAPI) -> None:
    app.include_router(health_router)
    # Routes are matched in order: the busiest (intake and dossier actions, then the officers'
    # worklists) come first.
    app.include_router(dossiers_router, prefix=API_PREFIX)
    app.include_router(worklists_router, prefix=API_PREFIX)
    app.include_router(documents.router, prefix=API_PREFIX)
    app.include_router(tasks_router, prefix=API_PREFIX)
    # The usual intake and worklist requests skip FastAPI's machinery (http.fast_path).
    fast_path.install(
        app,
        [intake_route.route(API_PREFIX + "/dossiers"), *worklists_route.routes(API_PREFIX)],
    )
    app.include_router(auth_router, prefix=API_PREFIX)
    app.include_router(catalog_router, prefix=API_PREFIX)
    app.include_router(forms_router, prefix=API_PREFIX)
    app.include_router(reports_router, prefix=API_PREFIX)
    app.include_router(integration_router, prefix=API_PREFIX)
    app.include_router(signatures_router, prefix=API_PREFIX)
    # The web client: pages and static files, outside the OpenAPI document.
    app.include_router(web.router, include_in_schema=False)
    app.mount(web.STATIC_PREFIX, web.static_files(), name="web-static")


def _sample_intake_queue(app: FastAPI) -> Metrics.Sampler:
    """The intake group commit's counts, read when ``/metrics`` is scraped."""

    async def sample(m: Metrics) -> None:
        queue = group_commit.queue_of(app.state.engine)
        if queue is not None:
            m.intake_statements.set(queue.statements)
            m.intake_written.set(queue.intakes)

    return sample


def _sample_rollup_check(app: FastAPI) -> Metrics.Sampler:
    """The outcome of the last rollup verification (``onestop rollups verify``)."""

    async def sample(m: Metrics) -> None:
        try:
            async with app.state.sessionmaker() as session:
                check = await rollups.last_check(session)
        except (SQLAlchemyError, OSError):  # database away: the other figures still serve
            return
        m.rollup_drift.set(-1 if check is None else check.differing_cells)
        m.rollup_checked.set(0 if check is None else check.checked_at.timestamp())

    return sample
