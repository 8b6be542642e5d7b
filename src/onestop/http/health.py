"""Liveness, readiness (database reachable and migrated to head) and Prometheus metrics."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel
from sqlalchemy import text

from onestop.core import migrate
from onestop.http.problems import PROBLEM_MEDIA_TYPE

router = APIRouter(tags=["operations"])


class Health(BaseModel):
    status: Literal["ok"]


class Readiness(BaseModel):
    status: Literal["ok", "unavailable"]
    database: str
    revision: str | None
    head: str | None


@router.get("/healthz", response_model=Health)
async def healthz() -> Health:
    """The process is up (nothing else is checked)."""
    return Health(status="ok")


@router.get(
    "/readyz",
    response_model=Readiness,
    responses={503: {"description": "Database unreachable or not migrated", "model": Readiness}},
)
async def readyz(request: Request) -> Response:
    """Ready to serve: the database answers and is migrated to the code's head revision."""
    head = migrate.head_revision()
    try:
        async with request.app.state.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
            revision = await migrate.database_revision(conn)
    except Exception:
        body = Readiness(status="unavailable", database="unreachable", revision=None, head=head)
        return JSONResponse(body.model_dump(), status_code=503)
    ok = revision == head
    body = Readiness(
        status="ok" if ok else "unavailable",
        database="ok" if ok else "not migrated to head",
        revision=revision,
        head=head,
    )
    return JSONResponse(body.model_dump(), status_code=200 if ok else 503)


@router.get("/metrics", include_in_schema=False)
async def metrics(request: Request) -> Response:
    m = request.app.state.metrics
    pool = request.app.state.engine.sync_engine.pool
    if hasattr(pool, "checkedout"):
        m.pool_checked_out.set(pool.checkedout())
        m.pool_size.set(pool.size())
    for sample in m.samplers:
        await sample(m)
    return Response(generate_latest(m.registry), media_type=CONTENT_TYPE_LATEST)


__all__ = ["PROBLEM_MEDIA_TYPE", "router"]
