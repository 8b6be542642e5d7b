"""Administrators' working-calendar page: the non-standard days of a year as they apply to the
administrator's province (national and provincial days, bundled or confirmed by an
administrator), the unit's own working hours, and the pending days (announced, not yet law,
counted as working days) with a confirm / reject decision.

Confirming stores the day as a holiday, rejecting stores it as a working day; either way the
decision names its legal document and goes through ``catalog.service_calendar.add_day`` (the
API's own function), which checks who may write the national or the province's days, audits the
decision, and makes later due dates use it at once.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import RedirectResponse
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from onestop.auth.principal import Principal
from onestop.auth.rights import Right
from onestop.catalog import service_calendar
from onestop.catalog.models import Unit
from onestop.catalog.schemas import CalendarDayCreate
from onestop.catalog.service import get_unit
from onestop.core import clock
from onestop.core.errors import DomainError, Forbidden
from onestop.http.deps import SessionDep
from onestop.web import admin_forms
from onestop.web.admin_forms import ADMIN_PATH, page
from onestop.web.formatting import VN_DATE_PROBLEM, parse_date
from onestop.web.session import SameOrigin, WebUser
from onestop.web.templating import WebRoute

router = APIRouter(route_class=WebRoute, include_in_schema=False)

CALENDAR = f"{ADMIN_PATH}/lich"
YearQuery = Annotated[int | None, Query(ge=1900, le=2200)]
#: The decision on a pending day → the kind stored.
DECISIONS = {"confirm": "holiday", "reject": "workday"}
REFUSALS = {"duplicate-calendar-day": "", "invalid-calendar-day": "", "out-of-range": ""}


async def _own_unit(session: AsyncSession, user: Principal) -> Unit | None:
    return await get_unit(session, user.unit_code) if user.unit_code else None


async def _may_write(session: AsyncSession, user: Principal, province: str | None) -> bool:
    """Whether the calendar service would take this user's decision on a day of ``province``."""
    try:
        await service_calendar.require_calendar_scope(session, user, province)
    except Forbidden:
        return False
    return True


async def _calendar_page(
    request: Request,
    session: AsyncSession,
    user: Principal,
    year: int,
    *,
    field_errors: dict[str, str] | None = None,
    sources: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    unit = await _own_unit(session, user)
    province = unit.province if unit else None
    calendar = await service_calendar.days(session, year=year, province=province)
    pending_scopes = {d.province for d in calendar.days if d.kind == "pending"}
    writable = {p: await _may_write(session, user, p) for p in pending_scopes}
    context = {
        "year": year,
        "calendar": calendar,
        "unit": unit,
        "unit_hours": service_calendar.hours_read(unit.hours) if unit else None,
        "writable": writable,
        "pending": [d for d in calendar.days if d.kind == "pending"],
        "field_errors": field_errors or {},
        "sources": sources or {},
    }
    return page(
        request,
        "admin_calendar.html",
        context,
        principal=user,
        tab="calendar",
        status_code=status_code,
    )


@router.get(CALENDAR)
async def calendar(
    request: Request, session: SessionDep, user: WebUser, nam: YearQuery = None
) -> Response:
    user.require(Right.CALENDAR_WRITE)
    return await _calendar_page(request, session, user, nam or clock.local_today().year)


@router.post(CALENDAR + "/quyet-dinh", dependencies=[SameOrigin])
async def decide(
    request: Request, session: SessionDep, user: WebUser, nam: YearQuery = None
) -> Response:
    """Confirm (a holiday) or reject (a working day) a pending day, naming the document."""
    user.require(Right.CALENDAR_WRITE)
    form = await request.form()
    values = admin_forms.fields(form, ("day", "province", "decision", "source"))
    day = parse_date(values["day"])
    year = nam or (day.year if day else clock.local_today().year)
    decision = values["decision"] if values["decision"] in DECISIONS else None
    key = f"source-{day.isoformat()}" if day else ""
    if day is None or decision is None:
        problem = VN_DATE_PROBLEM if day is None else "chọn xác nhận hoặc không nghỉ"
        return await _calendar_page(
            request, session, user, year, field_errors={"": problem}, status_code=422
        )
    try:
        data = CalendarDayCreate.model_validate(
            {
                "day": day,
                "kind": DECISIONS[decision],
                "source": values["source"],
                "province": values["province"] or None,
            }
        )
        await service_calendar.add_day(session, data=data, principal=user)
    except ValidationError as exc:
        errors = admin_forms.invalid(exc, {key: "source", "": "province"})
        return await _calendar_page(
            request,
            session,
            user,
            year,
            field_errors=errors,
            sources={key: values["source"]},
            status_code=422,
        )
    except DomainError as exc:
        errors = await admin_forms.refused(session, exc, REFUSALS)
        return await _calendar_page(
            request, session, user, year, field_errors=errors, status_code=exc.status
        )
    notice = "lich-xac-nhan" if decision == "confirm" else "lich-khong-nghi"
    return RedirectResponse(f"{CALENDAR}?nam={year}&xong={notice}", status_code=303)
