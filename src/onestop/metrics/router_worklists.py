"""HTTP routes of the worklists (due soon, overdue, step warnings) and of the alert tasks."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Response

from onestop import clock
from onestop.auth.dependencies import CurrentPrincipal
from onestop.httpapi import CursorQuery, LimitQuery, Page, SessionDep
from onestop.metrics import alerts_tasks, worklists_service
from onestop.metrics.schemas_worklists import (
    ExportFormat,
    StepWarnings,
    TaskKind,
    TaskRead,
    TaskResolve,
    Worklist,
)
from onestop.metrics.worklists import Filters, parse_as_of
from onestop.metrics.worklists_export import XLSX_TYPE, Export

router = APIRouter()
TAG = "reports"

EXPORT_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "JSON page, or the whole list as CSV / XLSX with `?format=`",
        "content": {
            "text/csv": {"schema": {"type": "string"}},
            XLSX_TYPE: {"schema": {"type": "string", "format": "binary"}},
        },
    }
}

UnitQuery = Annotated[
    str | None, Query(max_length=60, description="Unit code; its subtree is included")
]
ProcedureQuery = Annotated[str | None, Query(max_length=60, description="Procedure code")]
StepUnitQuery = Annotated[
    str | None, Query(max_length=60, description="Unit code holding the current step")
]
OfficerQuery = Annotated[
    str | None, Query(max_length=80, description="Username of the officer handling it")
]
AsOfQuery = Annotated[
    str | None,
    Query(
        max_length=40,
        json_schema_extra={"format": "date-time"},
        description="Instant with an offset, e.g. 2026-03-10T09:00:00+07:00 (default now)",
    ),
]
FormatQuery = Annotated[ExportFormat, Query(alias="format", description="json | csv | xlsx")]
TotalQuery = Annotated[
    bool,
    Query(
        description="Also count the whole list (every page) into `total`: one more count query,"
        " so off by default (JSON only)"
    ),
]


def _download(export: Export) -> Response:
    return Response(
        content=export.content,
        media_type=export.media_type,
        headers={"Content-Disposition": f'attachment; filename="{export.filename}"'},
    )


async def _worklist(
    kind: Any,
    session: Any,
    principal: Any,
    filters: Filters,
    as_of: str | None,
    fmt: str,
    limit: int,
    cursor: str | None,
    total: bool,
) -> Worklist | Response:
    at = parse_as_of(as_of, clock.now())
    if fmt != "json":
        return _download(
            await worklists_service.export_worklist(
                session, principal=principal, kind=kind, filters=filters, as_of=at, fmt=fmt
            )
        )
    page = await worklists_service.worklist(
        session,
        principal=principal,
        kind=kind,
        filters=filters,
        as_of=at,
        limit=limit,
        cursor=cursor,
        total=total,
    )
    return Response(page.as_json(), media_type="application/json")


@router.get(
    "/reports/due-soon",
    tags=[TAG],
    response_model=Worklist,
    responses=EXPORT_RESPONSES,
    summary="Open dossiers falling due within the unit's due-soon window (least time left first)",
)
async def due_soon(
    session: SessionDep,
    principal: CurrentPrincipal,
    unit: UnitQuery = None,
    procedure: ProcedureQuery = None,
    step_unit: StepUnitQuery = None,
    officer: OfficerQuery = None,
    as_of: AsOfQuery = None,
    fmt: FormatQuery = "json",
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
    total: TotalQuery = False,
) -> Worklist | Response:
    filters = Filters(unit=unit, procedure=procedure, step_unit=step_unit, officer=officer)
    return await _worklist(
        "due_soon", session, principal, filters, as_of, fmt, limit, cursor, total
    )


@router.get(
    "/reports/overdue",
    tags=[TAG],
    response_model=Worklist,
    responses=EXPORT_RESPONSES,
    summary="Open dossiers past their due instant (most late first), with their apology status",
)
async def overdue(
    session: SessionDep,
    principal: CurrentPrincipal,
    unit: UnitQuery = None,
    procedure: ProcedureQuery = None,
    step_unit: StepUnitQuery = None,
    officer: OfficerQuery = None,
    as_of: AsOfQuery = None,
    fmt: FormatQuery = "json",
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
    total: TotalQuery = False,
) -> Worklist | Response:
    filters = Filters(unit=unit, procedure=procedure, step_unit=step_unit, officer=officer)
    return await _worklist("overdue", session, principal, filters, as_of, fmt, limit, cursor, total)


@router.get(
    "/reports/step-warnings",
    tags=[TAG],
    response_model=StepWarnings,
    responses=EXPORT_RESPONSES,
    summary="Steps past their own budget while the dossier is still on time (internal warnings)",
)
async def step_warnings(
    session: SessionDep,
    principal: CurrentPrincipal,
    unit: UnitQuery = None,
    procedure: ProcedureQuery = None,
    step_unit: StepUnitQuery = None,
    officer: OfficerQuery = None,
    as_of: AsOfQuery = None,
    fmt: FormatQuery = "json",
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
) -> StepWarnings | Response:
    filters = Filters(unit=unit, procedure=procedure, step_unit=step_unit, officer=officer)
    at = parse_as_of(as_of, clock.now())
    if fmt != "json":
        return _download(
            await worklists_service.export_step_warnings(
                session, principal=principal, filters=filters, as_of=at, fmt=fmt
            )
        )
    return await worklists_service.step_warnings(
        session, principal=principal, filters=filters, as_of=at, limit=limit, cursor=cursor
    )


@router.get(
    "/tasks",
    tags=["tasks"],
    response_model=Page[TaskRead],
    summary="Open alerts and 'apology needed' tasks of the caller's units (most urgent first)",
)
async def list_tasks(
    session: SessionDep,
    principal: CurrentPrincipal,
    kind: Annotated[TaskKind | None, Query()] = None,
    include_resolved: Annotated[bool, Query()] = False,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
) -> Page[TaskRead]:
    return await alerts_tasks.list_tasks(
        session,
        principal=principal,
        kind=kind,
        include_resolved=include_resolved,
        limit=limit,
        cursor=cursor,
    )


@router.post(
    "/tasks/{task_id}/resolve",
    tags=["tasks"],
    response_model=TaskRead,
    summary="Mark a task or alert as handled (a leader of its unit, or a manager above it)",
)
async def resolve_task(
    session: SessionDep,
    principal: CurrentPrincipal,
    task_id: Annotated[int, Path(ge=1, le=2**62)],
    body: TaskResolve | None = None,
) -> TaskRead:
    return await alerts_tasks.resolve_task(
        session,
        principal=principal,
        task_id=task_id,
        note=body.note if body else None,
        now=clock.now(),
    )


__all__ = ["router"]
