"""HTTP routes of the worklists: due soon, overdue and step warnings (JSON pages and exports)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response

from onestop.auth.dependencies import CurrentPrincipal
from onestop.core import clock
from onestop.http.deps import CursorQuery, LimitQuery, SessionDep
from onestop.metrics.worklists import mine as worklists_mine, service as worklists_service
from onestop.metrics.worklists.export import XLSX_TYPE, Export
from onestop.metrics.worklists.query import Filters, parse_as_of
from onestop.metrics.worklists.schemas import (
    ExportFormat,
    MyWork,
    StepWarnings,
    Worklist,
)

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

#: The longest value of each text parameter (declared once: the fast route reads it).
TEXT_LIMITS = {"unit": 60, "procedure": 60, "step_unit": 60, "officer": 80, "as_of": 40}

UnitQuery = Annotated[
    str | None,
    Query(max_length=TEXT_LIMITS["unit"], description="Unit code; its subtree is included"),
]
ProcedureQuery = Annotated[
    str | None, Query(max_length=TEXT_LIMITS["procedure"], description="Procedure code")
]
StepUnitQuery = Annotated[
    str | None,
    Query(max_length=TEXT_LIMITS["step_unit"], description="Unit code holding the current step"),
]
OfficerQuery = Annotated[
    str | None,
    Query(max_length=TEXT_LIMITS["officer"], description="Username of the officer handling it"),
]
AsOfQuery = Annotated[
    str | None,
    Query(
        max_length=TEXT_LIMITS["as_of"],
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
    """Open dossiers of the caller's unit scope (or one unit's subtree) falling due within their
    competent unit's due-soon window at ``as_of``, least time left first, a page at a time
    (``next_cursor``; ``total`` on request), or every matching row as CSV / XLSX (at most 50,000,
    else 422). Requires ``report:view``; applicants' names are masked without
    ``personal-data:view``. An ``as_of`` in the past is judged from the dossiers' history."""
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
    """Open dossiers of the caller's unit scope (or one unit's subtree) past their due instant at
    ``as_of``, most late first, with their apology status, a page at a time (``next_cursor``;
    ``total`` on request), or every matching row as CSV / XLSX (at most 50,000, else 422). Requires
    ``report:view``; applicants' names are masked without ``personal-data:view``."""
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
    """Internal warnings: steps past their own budget while the dossier is still on time, in the
    caller's unit scope (or one unit's subtree) at ``as_of``, a page at a time (``next_cursor``),
    or every row as CSV / XLSX. Requires ``report:view``; these are not citizen-facing overdues."""
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
    "/worklists/mine",
    tags=[TAG],
    response_model=MyWork,
    summary="The caller's work: open dossiers whose current step is assigned to the calling"
    " officer (most urgent first), with counts per state (overdue, due soon, on track, paused)",
)
async def mine(
    session: SessionDep,
    principal: CurrentPrincipal,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
) -> MyWork | Response:
    """The open dossiers whose current step is assigned to the calling officer
    (``dossier:process``), earliest due first, each with its state (overdue, due soon, on track or
    paused while a supplement is awaited), and the counts per state over every page; a page at a
    time (``next_cursor``). Personal data is masked without ``personal-data:view``."""
    page = await worklists_mine.my_work(
        session, principal=principal, as_of=clock.now(), limit=limit, cursor=cursor
    )
    return Response(page.as_json(), media_type="application/json")


__all__ = ["router"]
