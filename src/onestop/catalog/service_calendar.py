"""The calendar as a service: due dates with explanations, the days in force for a year, and the
days administrators confirm or add (stored in ``calendar_day``, audited, effective at once).

Who may write which days (``require_calendar_scope``; every calendar write passes it, adding a
day and confirming a pending one alike, before anything else is looked at):

* national days (``province`` null): an administrator of a root unit that is national — of level
  ``ministry`` — or the one root of the tree;
* a province's days: an administrator whose unit is that province's root (its unit of level
  ``province``) or an ancestor of it, and those who may write national days;
* nobody else: administrators of departments, centres and communes add no days at all.

Why: a calendar day moves the due instant of every dossier counted over it, in every unit that
follows that calendar. A national day moves every province's deadlines and a provincial one every
unit of the province, so the day belongs to whoever answers for all of them; a unit's own
working time is its working-hours profile (``unit.hours``), which its administrator sets. Before
this rule any holder of ``calendar:write`` (every administrator, down to a commune's) could move
a provincial centre's due dates.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from onestop.auth import audit
from onestop.auth.principal import Principal
from onestop.auth.rights import Right
from onestop.catalog import calendars
from onestop.catalog.models import DEFAULT_HOURS, CalendarDay, Unit
from onestop.catalog.schemas import (
    CalendarDayCreate,
    CalendarDayCreated,
    CalendarDayRead,
    CalendarDays,
    DueRead,
    LimitRead,
    WorkingHoursRead,
    WorkingSession,
)
from onestop.catalog.service import get_unit
from onestop.catalog.service_procedures import limit_hours, time_limit
from onestop.core import clock
from onestop.core.errors import Conflict, Forbidden, InvalidInput
from onestop.core.schemas import invalid_field, require_in_calendar
from onestop.worktime import Calendar, DayEntry, WorkingHours, load_calendar

LOCAL_TZ = clock.LOCAL_TZ
START = ("query", "start")
_LOST_PLUS = re.compile(r"^(.*T[\d:.]+) (\d{2}(?::?\d{2})?)$")
KIND_NAMES = {
    "holiday": "Nghỉ lễ",
    "compensatory_off": "Nghỉ bù",
    "swapped_off": "Nghỉ hoán đổi",
    "makeup_workday": "Làm bù",
    "workday": "Ngày làm việc",
}


def hours_read(spec: str) -> WorkingHoursRead:
    """A working-hours profile as the API shows it."""
    try:
        hours = WorkingHours.parse(spec)
    except ValueError:  # a stored profile the engine no longer accepts: show it, unparsed
        return WorkingHoursRead(spec=spec, sessions=[], hours_per_day=Decimal(0))
    total = sum(
        (dt.datetime.combine(dt.date.min, e) - dt.datetime.combine(dt.date.min, s)).total_seconds()
        for s, e in hours.sessions
    )
    return WorkingHoursRead(
        spec=str(hours),
        sessions=[WorkingSession(start=s, end=e) for s, e in hours.sessions],
        hours_per_day=Decimal(str(total / 3600)),
    )


def parse_start(text: str) -> dt.datetime:
    """An ISO 8601 instant with an offset. A ``+`` that a URL turned into a space is restored;
    a naive time is refused: a due date from a guessed time zone is wrong by hours."""
    raw = text.strip()
    lost = _LOST_PLUS.match(raw)
    if lost is not None:
        raw = f"{lost.group(1)}+{lost.group(2)}"
    try:
        start = dt.datetime.fromisoformat(raw)
    except ValueError as exc:
        raise invalid_field(
            START,
            f"Thời điểm bắt đầu '{text}' không đúng ISO 8601"
            " (start must be an ISO 8601 instant, e.g. 2026-02-12T16:30:00+07:00)",
            code="invalid-start",
        ) from exc
    if start.tzinfo is None or start.utcoffset() is None:
        raise invalid_field(
            START,
            f"Thời điểm bắt đầu '{text}' thiếu múi giờ; hãy ghi rõ, ví dụ {raw}+07:00"
            f" (start has no UTC offset; give one, e.g. {raw}+07:00)",
            code="naive-start",
        )
    return require_in_calendar(start, name="start", loc=START, code="out-of-range")


async def national_calendar(session: AsyncSession) -> Calendar:
    return calendars.build_calendar(None, None, await calendars.calendar_overrides(session))


async def due(
    session: AsyncSession,
    *,
    start: str,
    amount: Decimal | None,
    unit: str,
    cutoff: dt.time | None,
    unit_code: str | None,
) -> DueRead:
    """The due instant of ``amount unit`` from ``start`` with its explanation."""
    begin = parse_start(start)
    if unit == "same_day":
        amount = Decimal(1) if amount is None else amount
    elif amount is None or amount <= 0:
        raise InvalidInput(
            "Cần thời hạn lớn hơn 0 (amount is required and must be greater than 0)",
            code="invalid-time-limit",
        )
    elif cutoff is not None:
        raise InvalidInput(
            "Giờ chốt chỉ dùng cho thủ tục trong ngày (cutoff applies to same_day only)",
            code="invalid-time-limit",
        )
    limit = time_limit(amount, unit, cutoff)
    if unit_code is not None:
        owner = await get_unit(session, unit_code)
        cal = await calendars.calendar_for_unit(session, owner)
    else:
        cal = await national_calendar(session)
    try:
        explanation = cal.explain(begin, limit)
    except ValueError as exc:  # e.g. outside the years the calendar covers
        raise InvalidInput(
            f"Không tính được hạn ({exc}) (cannot compute the due date)", code="out-of-range"
        ) from exc
    return DueRead(
        start=begin.astimezone(LOCAL_TZ),
        normalised_start=explanation.normalised_start.astimezone(LOCAL_TZ),
        due=explanation.due_at.astimezone(LOCAL_TZ),
        limit=LimitRead(
            amount=amount,
            unit=unit,
            cutoff=limit.cutoff if unit == "same_day" else None,
            hours=limit_hours(amount, unit),
        ),
        unit_code=unit_code,
        province=cal.province,
        hours=str(cal.hours),
        calendar_fingerprint=cal.fingerprint,
        explanation=explanation.to_dict(),
    )


async def days(session: AsyncSession, *, year: int, province: str | None) -> CalendarDays:
    """The non-standard days in force in a year (bundled + confirmed), with their sources."""
    overrides = await calendars.calendar_overrides(session)
    cal = calendars.build_calendar(province, None, overrides)
    try:
        entries = cal.days(year)
    except ValueError as exc:
        raise InvalidInput(
            f"Năm {year} nằm ngoài lịch (year {year} is outside the calendar: {exc})",
            code="out-of-range",
        ) from exc
    added = set(overrides)
    return CalendarDays(
        year=year,
        province=cal.province,
        working_hours=hours_read(DEFAULT_HOURS),
        days=[_day_read(e, e in added) for e in entries],
    )


def _day_read(entry: DayEntry, added: bool) -> CalendarDayRead:
    d = entry.to_dict()
    return CalendarDayRead(
        date=entry.date,
        weekday_vi=d["weekday_vi"],
        kind=entry.kind,
        kind_vi=d["kind_vi"],
        working=entry.is_working,
        name=entry.name,
        source=entry.source,
        province=entry.province,
        provisional=entry.provisional or entry.kind == "pending",
        origin="administrator" if added else "bundled",
    )


async def add_day(
    session: AsyncSession, *, data: CalendarDayCreate, principal: Principal
) -> CalendarDayCreated:
    """Stores a confirmed or added day; later due dates use it at once."""
    province = data.province.upper() if data.province else None
    await require_calendar_scope(session, principal, province)
    overrides = await calendars.calendar_overrides(session)
    before = calendars.build_calendar(province, None, overrides)
    if not before.first_date <= data.day <= before.last_date:
        raise InvalidInput(
            f"Ngày {data.day:%d/%m/%Y} nằm ngoài lịch {before.first_date.year}–"
            f"{before.last_date.year} (day outside the calendar's range)",
            code="out-of-range",
        )
    previous = before.day_entry(data.day)
    confirming = previous is not None and previous.kind == "pending"
    name = data.name or (previous.name if confirming and previous else None)
    name = name or KIND_NAMES[data.kind]
    try:
        entry = DayEntry(data.day, data.kind, data.source, name=name, province=province)
        load_calendar(province=province, overrides=(*overrides, entry))
    except ValueError as exc:
        raise InvalidInput(
            f"Ngày không hợp lệ: {exc} (invalid calendar day)", code="invalid-calendar-day"
        ) from exc
    await _refuse_duplicate(session, data.day, province)
    row = CalendarDay(
        day=data.day,
        kind=data.kind,
        name=name,
        source=data.source,
        province=province,
        created_by=principal.actor,
        created_at=clock.now(),
    )
    session.add(row)
    replaced = previous.kind if previous else None
    audit.record(
        session,
        actor=principal.actor,
        action="calendar.day.add",
        object_type="calendar_day",
        object_id=f"{data.day.isoformat()}/{province or 'VN'}",
        detail={"kind": data.kind, "source": data.source, "replaced_kind": replaced},
    )
    try:
        await session.commit()
    except IntegrityError as exc:  # a concurrent insert of the same day
        await session.rollback()
        raise _duplicate(data.day, province) from exc
    calendars.invalidate()
    return CalendarDayCreated(
        day=row.day,
        kind=row.kind,
        name=row.name,
        source=row.source,
        province=row.province,
        created_by=row.created_by,
        created_at=row.created_at,
        replaced_pending=replaced == "pending",
    )


async def require_calendar_scope(
    session: AsyncSession, principal: Principal, province: str | None
) -> None:
    """403 unless the principal may write the days of ``province`` (None: the national days);
    the rule and its reason are in the module docstring."""
    principal.require(Right.CALENDAR_WRITE)
    unit = (
        await session.get(Unit, principal.unit_id)
        if principal.kind == "user" and principal.is_admin and principal.unit_id is not None
        else None
    )
    if unit is not None and await _national(session, unit):
        return
    if province is None:
        raise Forbidden(
            "Chỉ quản trị của đơn vị gốc cấp trung ương (hoặc gốc của cây đơn vị) mới thêm"
            " hay xác nhận ngày nghỉ, ngày làm việc toàn quốc; đơn vị cấp sở, cấp xã điều chỉnh"
            " giờ làm việc của đơn vị mình (only an administrator of the national root unit"
            " may add or confirm national calendar days; a unit sets its own working hours)",
            code="outside-calendar-scope",
            right="calendar-scope",
            province=None,
        )
    if unit is None or not await _above_province(session, unit, province):
        raise Forbidden(
            f"Chỉ quản trị của UBND tỉnh {province} (hoặc cấp trên) mới thêm hay xác nhận ngày"
            " nghỉ, ngày làm việc của tỉnh; đơn vị cấp sở, cấp xã điều chỉnh giờ làm việc của"
            f" đơn vị mình (only an administrator of province {province}'s root unit or of a"
            " unit above it may add or confirm its calendar days)",
            code="outside-calendar-scope",
            right="calendar-scope",
            province=province,
        )


async def _national(session: AsyncSession, unit: Unit) -> bool:
    """A root unit of level ministry, or the one root of the tree."""
    if unit.parent_id is not None:
        return False
    if unit.level == "ministry":
        return True
    roots = await session.scalar(
        select(func.count()).select_from(Unit).where(Unit.parent_id.is_(None))
    )
    return roots == 1


async def _above_province(session: AsyncSession, unit: Unit, province: str) -> bool:
    """Whether ``unit`` is the root of ``province`` (its unit of level province) or above it."""
    roots = await session.scalars(
        select(Unit.path).where(Unit.level == "province", func.upper(Unit.province) == province)
    )
    return any(path.startswith(unit.path) for path in roots)


async def _refuse_duplicate(session: AsyncSession, day: dt.date, province: str | None) -> None:
    stmt = select(CalendarDay.id).where(CalendarDay.day == day)
    stmt = stmt.where(
        CalendarDay.province.is_(None) if province is None else CalendarDay.province == province
    )
    if await session.scalar(stmt) is not None:
        raise _duplicate(day, province)


def _duplicate(day: dt.date, province: str | None) -> Conflict:
    where = f" của tỉnh {province}" if province else ""
    where_en = f" for province {province}" if province else " nationally"
    return Conflict(
        f"Ngày {day:%d/%m/%Y}{where} đã được xác nhận trước đó"
        f" (day {day.isoformat()} was already confirmed or added{where_en})",
        code="duplicate-calendar-day",
        day=day.isoformat(),
        province=province,
    )
