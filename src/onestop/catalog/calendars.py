"""Working-time calendars for units: bundled data + the days administrators confirmed or added,
with each unit's province and working hours. Built calendars are cached per process and keyed by
their inputs, so a newly confirmed day takes effect at once."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from onestop.catalog.models import DEFAULT_HOURS, CalendarDay, Unit
from onestop.worktime import Calendar, DayEntry, WorkingHours, load_calendar

_cache: dict[tuple[str | None, str, tuple[DayEntry, ...]], Calendar] = {}
_overrides_cache: dict[str, tuple[tuple[object, ...], tuple[DayEntry, ...]]] = {}


def invalidate() -> None:
    """Forget the administrator days read so far (called after a write in this process; other
    processes notice the change through the table stamp)."""
    _overrides_cache.clear()


async def calendar_overrides(session: AsyncSession) -> tuple[DayEntry, ...]:
    """All administrator days, re-read only when the table changed. The stamp (row count, id and
    day ranges, latest write) changes with any insert or delete, even under a frozen clock."""
    stamp_row = (
        await session.execute(
            select(
                func.count(CalendarDay.id),
                func.max(CalendarDay.id),
                func.sum(CalendarDay.id),
                func.min(CalendarDay.day),
                func.max(CalendarDay.day),
                func.max(CalendarDay.created_at),
            )
        )
    ).one()
    stamp = tuple(stamp_row)
    key = str(session.get_bind().engine.url)
    cached = _overrides_cache.get(key)
    if cached is not None and cached[0] == stamp:
        return cached[1]
    rows = (await session.execute(select(CalendarDay).order_by(CalendarDay.day))).scalars().all()
    # National rows first, then provincial ones: for one date a province's own row wins.
    ordered = sorted(rows, key=lambda r: (r.day, r.province is not None))
    entries = tuple(
        DayEntry(r.day, r.kind, r.source, name=r.name, province=r.province) for r in ordered
    )
    _overrides_cache[key] = (stamp, entries)
    return entries


def build_calendar(
    province: str | None, hours: str | None, overrides: tuple[DayEntry, ...]
) -> Calendar:
    key = (province, hours or DEFAULT_HOURS, overrides)
    cal = _cache.get(key)
    if cal is None:
        cal = load_calendar(
            province=province, hours=WorkingHours.parse(hours or DEFAULT_HOURS), overrides=overrides
        )
        if len(_cache) > 256:
            _cache.clear()
        _cache[key] = cal
    return cal


async def calendar_for_unit(session: AsyncSession, unit: Unit) -> Calendar:
    """The calendar in force for a unit: its province's days and its working-hours profile."""
    return build_calendar(unit.province, unit.hours, await calendar_overrides(session))
