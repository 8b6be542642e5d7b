"""HTTP routes of onestop.catalog: units, procedures and the working-time calendar.

Reads need any authenticated principal; writes need ``catalog:write`` or ``calendar:write`` and
stay inside the administrator's subtree. Every write is audited in its own transaction.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from onestop.auth.dependencies import current_principal, require
from onestop.auth.principal import Principal
from onestop.auth.rights import Right
from onestop.catalog import (
    service_calendar as cal_service,
    service_procedures as proc_service,
    service_units as unit_service,
)
from onestop.catalog.models import Procedure, ProcedureVersion, Unit
from onestop.catalog.schemas import (
    CalendarDayCreate,
    CalendarDayCreated,
    CalendarDays,
    DueRead,
    LimitRead,
    LimitUnit,
    ProcedureCreate,
    ProcedureDetail,
    ProcedureSummary,
    UnitBrief,
    UnitCreate,
    UnitDetail,
    UnitNode,
    UnitRead,
    UnitUpdate,
    VersionCreate,
    VersionRead,
)
from onestop.core.errors import InvalidInput
from onestop.core.paging import TEXT, Page, decode_cursor, encode_cursor
from onestop.http.deps import CursorQuery, LimitQuery, SessionDep

router = APIRouter()

Reader = Depends(current_principal)
CatalogWriter = Annotated[Principal, Depends(require(Right.CATALOG_WRITE))]
CalendarWriter = Annotated[Principal, Depends(require(Right.CALENDAR_WRITE))]
CodeFilter = Annotated[str | None, Query(max_length=40)]
TextFilter = Annotated[str | None, Query(max_length=100, description="Part of the name or code")]


def _after(cursor: str | None) -> str | None:
    values = decode_cursor(cursor, (TEXT,))
    return None if values is None else str(values[0])


# ----------------------------------------------------------------------------------------- units


def _unit_read(unit: Unit, parent_code: str | None) -> UnitRead:
    return UnitRead(
        code=unit.code,
        name=unit.name,
        level=unit.level,
        parent_code=parent_code,
        province=unit.province,
        hours=unit.hours,
        has_counter=unit.has_counter,
        address=unit.address,
        hotline=unit.hotline,
        due_soon_days=unit.due_soon_days,
        on_time_target=unit.on_time_target,
        is_active=unit.is_active,
    )


def _node(row: unit_service.UnitRow, tree: bool) -> UnitNode:
    base = _unit_read(row.unit, row.parent_code).model_dump()
    children = [_node(c, tree) for c in row.children] if tree else None
    return UnitNode(**base, children=children)


def _brief(unit: Unit) -> UnitBrief:
    return UnitBrief(code=unit.code, name=unit.name, level=unit.level)


async def _unit_detail(session: SessionDep, code: str) -> UnitDetail:
    unit, parent, children = await unit_service.unit_detail(session, code)
    base = _unit_read(unit, parent.code if parent else None).model_dump()
    return UnitDetail(
        **base,
        parent=_brief(parent) if parent else None,
        children=[_brief(c) for c in children],
        working_hours=cal_service.hours_read(unit.hours),
    )


@router.get(
    "/units",
    tags=["units"],
    summary="List units (flat and paged, or nested with tree=true)",
    dependencies=[Reader],
)
async def list_units(
    session: SessionDep,
    parent: Annotated[CodeFilter, Query(description="Code of the parent unit")] = None,
    level: Annotated[
        str | None,
        Query(
            max_length=20,
            description="Unit level: ministry, province, department, commune or centre",
        ),
    ] = None,
    province: Annotated[
        str | None, Query(max_length=20, description="Province code: only its units")
    ] = None,
    q: TextFilter = None,
    tree: Annotated[
        bool, Query(description="Nested children (the subtree below parent, or everything)")
    ] = False,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
) -> Page[UnitNode]:
    """Units ordered by code, filtered by parent, level, province or part of the name or code, a
    page at a time (``next_cursor``); with ``tree=true`` the nested tree below ``parent`` (or the
    whole forest) in one page, which cannot be combined with ``level`` or ``q``. Any authenticated
    caller."""
    if tree:
        if level is not None or q:
            raise InvalidInput(
                "tree=true không dùng cùng level hoặc q (tree=true cannot be combined with"
                " level or q)",
                code="invalid-filter",
            )
        roots = await unit_service.unit_tree(session, parent_code=parent, province=province)
        return Page[UnitNode](items=[_node(r, True) for r in roots])
    rows, more = await unit_service.list_units(
        session,
        parent_code=parent,
        level=level,
        province=province,
        q=q,
        after=_after(cursor),
        limit=limit,
    )
    next_cursor = encode_cursor([rows[-1].unit.code]) if more and rows else None
    return Page[UnitNode](items=[_node(r, False) for r in rows], next_cursor=next_cursor)


@router.get(
    "/units/{code}",
    tags=["units"],
    summary="A unit with its parent, children and working hours",
    dependencies=[Reader],
)
async def get_unit(code: str, session: SessionDep) -> UnitDetail:
    """One unit by code with its parent, its direct children and its working hours; 404 for an
    unknown code. Any authenticated caller."""
    return await _unit_detail(session, code)


@router.post("/units", status_code=201, tags=["units"], summary="Create a unit (catalog:write)")
async def create_unit(
    body: UnitCreate, session: SessionDep, principal: CatalogWriter
) -> UnitDetail:
    """Create a unit below its parent; requires ``catalog:write`` and the parent inside the
    administrator's subtree. Returns the unit as ``GET /units/{code}`` shows it (201); a code
    already taken answers 409, a district level (abolished since 01/07/2025) or a working-hours
    profile the engine refuses 422."""
    unit = await unit_service.create_unit(session, data=body, principal=principal)
    return await _unit_detail(session, unit.code)


@router.patch("/units/{code}", tags=["units"], summary="Change or move a unit (catalog:write)")
async def update_unit(
    code: str, body: UnitUpdate, session: SessionDep, principal: CatalogWriter
) -> UnitDetail:
    """Change the fields sent, and move the unit (with its whole subtree) when ``parent_code`` is
    sent; requires ``catalog:write`` with the unit, and a new parent, inside the administrator's
    subtree. A move under the unit's own subtree answers 422; nothing is written when nothing
    differs."""
    unit = await unit_service.update_unit(session, code=code, data=body, principal=principal)
    return await _unit_detail(session, unit.code)


# ------------------------------------------------------------------------------------ procedures


def _limit_read(amount: Decimal, unit: str, cutoff: dt.time | None) -> LimitRead:
    return LimitRead(
        amount=amount,
        unit=unit,
        cutoff=cutoff if unit == "same_day" else None,
        hours=proc_service.limit_hours(amount, unit),
    )


def _version_read(
    v: ProcedureVersion, in_force_id: int | None, step_codes: dict[int, str]
) -> VersionRead:
    return VersionRead.model_validate(
        {
            "effective_from": v.effective_from,
            "in_force": v.id == in_force_id,
            "limit": _limit_read(v.limit_amount, v.limit_unit, v.same_day_cutoff),
            "steps": [
                {
                    "seq": s.seq,
                    "name": s.name,
                    "role": s.role,
                    "unit_code": step_codes.get(s.unit_id) if s.unit_id else None,
                    "budget_hours": s.budget_hours,
                }
                for s in v.steps
            ],
            "budget_hours_total": sum((s.budget_hours for s in v.steps), Decimal(0)),
            "documents": v.documents or [],
            "fees": v.fees or [],
            "supplement_policy": v.supplement_policy,
            "max_reappointments": v.max_reappointments,
            "legal_basis": v.legal_basis,
        }
    )


def _procedure_detail(view: proc_service.ProcedureView) -> ProcedureDetail:
    p: Procedure = view.procedure
    in_force = [v for v in view.versions if v.id == view.in_force_id]
    return ProcedureDetail(
        code=p.code,
        name=p.name,
        field=p.field,
        field_code=p.field_code,
        level=p.level,
        is_active=p.is_active,
        competent_units=[_brief(u) for u in view.units],
        in_force_from=in_force[0].effective_from if in_force else None,
        versions=[_version_read(v, view.in_force_id, view.step_unit_codes) for v in view.versions],
    )


@router.get(
    "/procedures",
    tags=["procedures"],
    summary="List procedures (thủ tục hành chính)",
    dependencies=[Reader],
)
async def list_procedures(
    session: SessionDep,
    field: Annotated[str | None, Query(max_length=255, description="Field name or code")] = None,
    unit: Annotated[CodeFilter, Query(description="Code of a competent unit")] = None,
    q: TextFilter = None,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
) -> Page[ProcedureSummary]:
    """Procedures ordered by code, filtered by field, competent unit or part of the name or code,
    each with the time limit of the version in force, a page at a time (``next_cursor``). Any
    authenticated caller."""
    rows, more = await proc_service.list_procedures(
        session, field=field, unit_code=unit, q=q, after=_after(cursor), limit=limit
    )
    items = [
        ProcedureSummary(
            code=r.procedure.code,
            name=r.procedure.name,
            field=r.procedure.field,
            field_code=r.procedure.field_code,
            level=r.procedure.level,
            is_active=r.procedure.is_active,
            competent_unit_codes=r.unit_codes,
            limit_in_force=(
                _limit_read(
                    r.in_force.limit_amount, r.in_force.limit_unit, r.in_force.same_day_cutoff
                )
                if r.in_force
                else None
            ),
        )
        for r in rows
    ]
    next_cursor = encode_cursor([rows[-1].procedure.code]) if more and rows else None
    return Page[ProcedureSummary](items=items, next_cursor=next_cursor)


@router.get(
    "/procedures/{code}",
    tags=["procedures"],
    summary="A procedure with its competent units and every version",
    dependencies=[Reader],
)
async def get_procedure(code: str, session: SessionDep) -> ProcedureDetail:
    """One procedure by code with its competent units and every dated version (steps, budgets,
    documents, fees), the version in force marked; 404 for an unknown code. Any authenticated
    caller."""
    return _procedure_detail(await proc_service.procedure_view(session, code))


@router.post(
    "/procedures",
    status_code=201,
    tags=["procedures"],
    summary="Create a procedure with its first version (catalog:write)",
)
async def create_procedure(
    body: ProcedureCreate, session: SessionDep, principal: CatalogWriter
) -> ProcedureDetail:
    """Create a procedure with its competent units and its first version; requires
    ``catalog:write`` and every competent unit inside the administrator's subtree. The internal
    steps' budgets may not add up to more than the legal time limit (422); a code already taken
    answers 409."""
    proc = await proc_service.create_procedure(session, data=body, principal=principal)
    return _procedure_detail(await proc_service.procedure_view(session, proc.code))


@router.post(
    "/procedures/{code}/versions",
    status_code=201,
    tags=["procedures"],
    summary="Add a version effective from a date (catalog:write)",
)
async def add_version(
    code: str, body: VersionCreate, session: SessionDep, principal: CatalogWriter
) -> VersionRead:
    """Add a version of a procedure effective from a date (existing versions are never edited);
    requires ``catalog:write`` and the procedure's competent units inside the administrator's
    subtree. Its step budgets must fit in its time limit (422); a version with the same effective
    date answers 409."""
    version = await proc_service.add_version(session, code=code, data=body, principal=principal)
    view = await proc_service.procedure_view(session, code)
    created = next(v for v in view.versions if v.id == version.id)
    return _version_read(created, view.in_force_id, view.step_unit_codes)


# -------------------------------------------------------------------------------------- calendar


@router.get(
    "/calendar/due",
    tags=["calendar"],
    summary="Due instant of a time limit, with the day-by-day explanation",
    dependencies=[Reader],
)
async def calendar_due(
    session: SessionDep,
    start: Annotated[
        str,
        Query(
            min_length=1,
            max_length=64,
            description="ISO 8601 instant with an offset, e.g. 2026-02-12T16:30:00+07:00",
            json_schema_extra={"format": "date-time"},
        ),
    ],
    unit: Annotated[LimitUnit, Query(description="Unit of the time limit")],
    amount: Annotated[
        Decimal | None,
        Query(ge=0, le=100000, description="Size of the time limit (required unless same_day)"),
    ] = None,
    cutoff: Annotated[dt.time | None, Query(description="same_day cut-off (default 15:00)")] = None,
    unit_code: Annotated[
        CodeFilter, Query(description="Use this unit's province and working hours")
    ] = None,
) -> DueRead:
    """The due instant of a time limit counted in working time from ``start``, with the day-by-day
    explanation, on the national calendar or on the calendar and working hours of ``unit_code``.
    Any authenticated caller; a start without an offset is refused (422)."""
    return await cal_service.due(
        session, start=start, amount=amount, unit=unit, cutoff=cutoff, unit_code=unit_code
    )


@router.get(
    "/calendar/days",
    tags=["calendar"],
    summary="The non-standard days in force for a year, with their sources",
    dependencies=[Reader],
)
async def calendar_days(
    session: SessionDep,
    year: Annotated[int, Query(ge=1900, le=2200, description="Calendar year")],
    province: Annotated[
        str | None,
        Query(
            max_length=20,
            pattern=r"^[A-Za-z0-9]+$",
            description="Province code: its own days as well as the national ones",
        ),
    ] = None,
) -> CalendarDays:
    """The holidays, swapped working days and other non-standard days in force in a year (bundled
    and confirmed by administrators), each with its legal source, for the national calendar or one
    province's. Any authenticated caller."""
    return await cal_service.days(session, year=year, province=province)


@router.post(
    "/calendar/days",
    status_code=201,
    tags=["calendar"],
    summary="Confirm a pending day or add a day (calendar:write)",
)
async def add_calendar_day(
    body: CalendarDayCreate, session: SessionDep, principal: CalendarWriter
) -> CalendarDayCreated:
    """Confirm a pending day or add a day to the calendar, effective at once for every later due
    date; requires ``calendar:write``, national days only for a national or the one root unit's
    administrator and a province's days only for that province's root or its ancestors (403
    otherwise). A day already confirmed answers 409."""
    return await cal_service.add_day(session, data=body, principal=principal)
