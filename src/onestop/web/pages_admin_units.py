"""Administrators' units page: the unit tree of their subtree, a child unit created, a unit
renamed, moved under another unit of the subtree, its working hours, address and hotline changed.

Writes go through ``catalog.service_units`` (the API's own functions), which check the scope,
refuse cycles and bad working hours, and audit every change.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request, Response
from fastapi.responses import RedirectResponse
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from onestop.auth.principal import Principal
from onestop.auth.rights import Right
from onestop.catalog import service_units
from onestop.catalog.models import Unit
from onestop.catalog.schemas import UNIT_LEVELS, UnitCreate, UnitUpdate
from onestop.core.errors import DomainError
from onestop.http.deps import SessionDep
from onestop.web import admin_forms
from onestop.web.admin_forms import ADMIN_PATH, TABS, page
from onestop.web.session import SameOrigin, WebUser
from onestop.web.templating import WebRoute

router = APIRouter(route_class=WebRoute, include_in_schema=False)

UNITS = f"{ADMIN_PATH}/don-vi"
CodePath = Path(min_length=1, max_length=40)
LEVELS_VI = {
    "ministry": "Bộ, ngành",
    "province": "UBND tỉnh",
    "department": "Sở, ban, ngành",
    "commune": "UBND xã, phường",
    "centre": "Trung tâm phục vụ hành chính công",
}
LEVEL_CHOICES = tuple((level, LEVELS_VI[level]) for level in UNIT_LEVELS)
CREATE_FIELDS = ("code", "name", "level", "parent_code", "hours", "address", "hotline")
UPDATE_FIELDS = ("name", "parent_code", "hours", "address", "hotline")
#: A service's refusal → the field it concerns.
REFUSALS = {
    "duplicate-unit": "code",
    "invalid-working-hours": "hours",
    "district-level-abolished": "level",
    "invalid-level": "level",
    "unknown-unit": "parent_code",
    "unit-cycle": "parent_code",
}


@router.get(ADMIN_PATH)
async def admin_home(user: WebUser) -> Response:
    """The first administrator page this user may open."""
    admin_forms.require_admin(user)
    first = next(href for _, _, href, right in TABS if user.can(right))
    return RedirectResponse(first, status_code=303)


async def _choices(session: AsyncSession, user: Principal) -> list[tuple[Unit, int]]:
    rows = await service_units.managed_tree(session, principal=user)
    return [(row.unit, depth) for row, depth in service_units.flatten(rows)]


async def _units_page(
    request: Request,
    session: AsyncSession,
    user: Principal,
    *,
    values: dict[str, Any] | None = None,
    field_errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    tree = await service_units.managed_tree(session, principal=user)
    units = [(row.unit, depth) for row, depth in service_units.flatten(tree)]
    blank = {name: "" for name in CREATE_FIELDS}
    blank["parent_code"] = user.unit_code or ""
    context = {
        "tree": tree,
        "units": units,
        "levels": LEVEL_CHOICES,
        "levels_vi": LEVELS_VI,
        "values": {**blank, "has_counter": "", **(values or {})},
        "field_errors": field_errors or {},
    }
    return page(
        request, "admin_units.html", context, principal=user, tab="units", status_code=status_code
    )


@router.get(UNITS)
async def units(
    request: Request,
    session: SessionDep,
    user: WebUser,
    cap_tren: Annotated[str, Query(max_length=40)] = "",
) -> Response:
    """The tree and the form of a new unit (below ``cap_tren`` when given)."""
    user.require(Right.CATALOG_WRITE)
    values = {"parent_code": cap_tren} if cap_tren else None
    return await _units_page(request, session, user, values=values)


@router.post(UNITS, dependencies=[SameOrigin])
async def create_unit(request: Request, session: SessionDep, user: WebUser) -> Response:
    user.require(Right.CATALOG_WRITE)
    form = await request.form()
    values = admin_forms.fields(form, CREATE_FIELDS)
    values["has_counter"] = "co" if admin_forms.field(form, "has_counter") else ""
    body = admin_forms.filled({n: values[n] for n in CREATE_FIELDS})
    body["has_counter"] = bool(values["has_counter"])
    try:
        data = UnitCreate.model_validate(body)
        unit = await service_units.create_unit(session, data=data, principal=user)
    except ValidationError as exc:
        errors = admin_forms.invalid(exc, {n: n for n in CREATE_FIELDS})
        return await _units_page(
            request, session, user, values=values, field_errors=errors, status_code=422
        )
    except DomainError as exc:
        errors = await admin_forms.refused(session, exc, REFUSALS)
        return await _units_page(
            request, session, user, values=values, field_errors=errors, status_code=exc.status
        )
    return RedirectResponse(f"{UNITS}/{unit.code}?xong=don-vi-tao", status_code=303)


async def _unit_page(
    request: Request,
    session: AsyncSession,
    user: Principal,
    unit: Unit,
    *,
    values: dict[str, str] | None = None,
    field_errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    _, parent, children = await service_units.unit_detail(session, unit.code)
    own = unit.code == user.unit_code  # its parent lies outside the administrator's subtree
    parents = (
        []
        if own
        else [
            (u, depth)
            for u, depth in await _choices(session, user)
            if not u.path.startswith(unit.path)
        ]
    )
    current = {
        "name": unit.name,
        "parent_code": parent.code if parent else "",
        "hours": unit.hours,
        "address": unit.address or "",
        "hotline": unit.hotline or "",
    }
    context = {
        "unit": unit,
        "parent": parent,
        "children": children,
        "parents": parents,
        "movable": not own,
        "levels_vi": LEVELS_VI,
        "values": {**current, **(values or {})},
        "field_errors": field_errors or {},
    }
    return page(
        request, "admin_unit.html", context, principal=user, tab="units", status_code=status_code
    )


@router.get(UNITS + "/{code}")
async def unit_form(
    request: Request, session: SessionDep, user: WebUser, code: str = CodePath
) -> Response:
    user.require(Right.CATALOG_WRITE)
    unit = await service_units.managed_unit(session, code=code, principal=user)
    return await _unit_page(request, session, user, unit)


@router.post(UNITS + "/{code}", dependencies=[SameOrigin])
async def update_unit(
    request: Request, session: SessionDep, user: WebUser, code: str = CodePath
) -> Response:
    user.require(Right.CATALOG_WRITE)
    unit = await service_units.managed_unit(session, code=code, principal=user)
    form = await request.form()
    values = admin_forms.fields(form, UPDATE_FIELDS)
    body: dict[str, Any] = {
        "name": values["name"],
        "hours": values["hours"],
        "address": values["address"] or None,
        "hotline": values["hotline"] or None,
    }
    if "parent_code" in form:  # the administrator's own unit stays where it is
        body["parent_code"] = values["parent_code"] or None
    try:
        data = UnitUpdate.model_validate(body)
        await service_units.update_unit(session, code=unit.code, data=data, principal=user)
    except ValidationError as exc:
        errors = admin_forms.invalid(exc, {n: n for n in UPDATE_FIELDS})
        return await _unit_page(
            request, session, user, unit, values=values, field_errors=errors, status_code=422
        )
    except DomainError as exc:
        errors = await admin_forms.refused(session, exc, REFUSALS)
        unit = await service_units.managed_unit(session, code=code, principal=user)
        return await _unit_page(
            request, session, user, unit, values=values, field_errors=errors, status_code=exc.status
        )
    return RedirectResponse(f"{UNITS}/{unit.code}?xong=don-vi-sua", status_code=303)
