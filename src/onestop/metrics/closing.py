"""Closing a period: a manager freezes a report's figures (on-time per unit, or Biểu 06) with the
SHA-256 of their canonical JSON. Reading a closed period returns the frozen figures, checks they
still hash to the stored hash, and recomputes: when today's figures differ they are shown next to
the frozen ones (``differs: true``), never put in their place. Closing twice is a 409."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from onestop.auth import audit
from onestop.auth.principal import Principal
from onestop.auth.rights import Right
from onestop.catalog.snapshots import ScopeUnit
from onestop.core.errors import Conflict, NotFound
from onestop.core.paging import Page, encode_cursor
from onestop.metrics import drill, frozen, periods
from onestop.metrics.bieu06 import report as bieu06_report
from onestop.metrics.models import ClosedPeriod
from onestop.metrics.ontime import report as ontime_report
from onestop.metrics.periods import Period
from onestop.metrics.schemas import ClosedPeriodRead, PeriodRead, ReportKind, ReportUnit


async def compute(session: AsyncSession, kind: str, unit: ScopeUnit, p: Period) -> dict[str, Any]:
    if kind == "on-time":
        return await ontime_report.figures(session, unit, p)
    return await bieu06_report.figures(session, unit, p)


def _already(kind: str, unit: ScopeUnit, p: Period, existing: int | None) -> Conflict:
    return Conflict(
        f"Kỳ {p.start:%d/%m/%Y}–{p.end:%d/%m/%Y} của báo cáo {kind} đơn vị {unit.code} đã được"
        f" khóa (this period is already closed)",
        code="period-already-closed",
        period_id=existing,
    )


async def close(
    session: AsyncSession,
    *,
    principal: Principal,
    kind: ReportKind,
    unit: ScopeUnit,
    p: Period,
    note: str | None,
    at: dt.datetime,
) -> ClosedPeriodRead:
    existing = await frozen.find(session, kind, unit, p)
    if existing is not None:
        raise _already(kind, unit, p, existing.id)
    figures = await compute(session, kind, unit, p)
    row = ClosedPeriod(
        kind=kind,
        unit_id=unit.id,
        date_from=p.start,
        date_to=p.end,
        figures=figures,
        content_hash=frozen.content_hash(figures),
        note=note,
        closed_by=principal.actor,
        closed_at=at,
    )
    session.add(row)
    try:
        await session.flush()
        audit.record(
            session,
            actor=principal.actor,
            action="period-close",
            object_type="report_period",
            object_id=str(row.id),
            detail={
                "kind": kind,
                "unit": unit.code,
                "from": p.start.isoformat(),
                "to": p.end.isoformat(),
                "content_hash": row.content_hash,
            },
        )
        await session.commit()
    except IntegrityError:
        await session.rollback()
        raise _already(kind, unit, p, None) from None
    return _read(row, unit, None)


def _read(row: ClosedPeriod, unit: ScopeUnit, current: dict[str, Any] | None) -> ClosedPeriodRead:
    stored_hash = frozen.content_hash(row.figures)
    current_hash = frozen.content_hash(current) if current is not None else None
    # Compared with the figures shown (a tampered row differs even from an unchanged past).
    differs = None if current_hash is None else current_hash != stored_hash
    return ClosedPeriodRead(
        id=row.id,
        kind=row.kind,
        unit=ReportUnit(code=unit.code, name=unit.name),
        period=PeriodRead(from_=row.date_from, to=row.date_to),
        content_hash=row.content_hash,
        closed_by=row.closed_by,
        closed_at=row.closed_at,
        note=row.note,
        figures=row.figures,
        hash_valid=stored_hash == row.content_hash,
        differs=differs,
        current=current if differs else None,
        current_hash=current_hash,
    )


async def _unit_of(session: AsyncSession, principal: Principal, unit_id: int) -> ScopeUnit:
    code = (
        await session.execute(select(periods.U.c.code).where(periods.U.c.id == unit_id))
    ).scalar_one()
    return await periods.report_unit(session, principal, code)


async def read(session: AsyncSession, *, principal: Principal, period_id: int) -> ClosedPeriodRead:
    principal.require(Right.REPORT_VIEW)
    row = await session.get(ClosedPeriod, period_id)
    if row is None:
        raise NotFound(
            f"Không có kỳ báo cáo đã khóa số {period_id} (unknown closed period)",
            code="unknown-period",
        )
    unit = await _unit_of(session, principal, row.unit_id)
    current = await compute(session, row.kind, unit, Period(row.date_from, row.date_to))
    return _read(row, unit, current)


async def listing(
    session: AsyncSession,
    *,
    unit: ScopeUnit,
    kind: ReportKind | None,
    limit: int,
    cursor: str | None,
) -> Page[ClosedPeriodRead]:
    """Closed periods of the unit itself (newest first), without recomputation."""
    after = drill.after_id(cursor)
    stmt = (
        select(ClosedPeriod)
        .where(ClosedPeriod.unit_id == unit.id)
        .order_by(ClosedPeriod.id.desc())
        .limit(limit + 1)
    )
    if kind is not None:
        stmt = stmt.where(ClosedPeriod.kind == kind)
    if after is not None:
        stmt = stmt.where(ClosedPeriod.id < after)
    rows = list((await session.execute(stmt)).scalars())
    more = len(rows) > limit
    rows = rows[:limit]
    return Page[ClosedPeriodRead](
        items=[_read(r, unit, None) for r in rows],
        next_cursor=encode_cursor([rows[-1].id]) if more else None,
    )
