"""What every report starts from: the period (local dates, inclusive), the unit whose subtree it
covers (checked against the caller's scope), and the corrections recorded in it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import literal_column, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from onestop.auth.principal import Principal
from onestop.auth.rights import Right
from onestop.catalog import snapshots
from onestop.catalog.models import Unit
from onestop.catalog.snapshots import SCOPE_COLUMNS, ScopeUnit, scope_unit
from onestop.core import clock
from onestop.core.errors import Forbidden, InvalidInput
from onestop.dossiers.access import client_paths
from onestop.dossiers.models import Dossier, DossierEvent
from onestop.dossiers.states import EventType

#: Longest period a report accepts (one leap year).
MAX_DAYS = 366

U = Unit.__table__
D = Dossier.__table__
E = DossierEvent.__table__


@dataclass(frozen=True)
class Period:
    start: dt.date
    end: dt.date

    @property
    def start_at(self) -> dt.datetime:
        """First instant of the period (local midnight of ``start``), UTC."""
        return clock.day_start(self.start)

    @property
    def end_at(self) -> dt.datetime:
        """First instant after the period (local midnight after ``end``), UTC."""
        return clock.day_start(self.end + dt.timedelta(days=1))

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


DateRange = tuple[dt.date, dt.date]


def whole_months(p: Period) -> tuple[list[DateRange], DateRange | None]:
    """The period as day ranges outside whole months, and the range of whole months in it (first
    days of the first and last whole month), if any: what monthly rollups answer and what is
    read day by day."""
    first = p.start if p.start.day == 1 else next_month(p.start)
    month_end = next_month(p.end) - dt.timedelta(days=1)
    end = p.end if p.end == month_end else p.end.replace(day=1) - dt.timedelta(days=1)
    if first > end:
        return [(p.start, p.end)], None
    edges = []
    if p.start < first:
        edges.append((p.start, first - dt.timedelta(days=1)))
    if end < p.end:
        edges.append((end + dt.timedelta(days=1), p.end))
    return edges, (first, end.replace(day=1))


def next_month(day: dt.date) -> dt.date:
    """The first day of the month after ``day``'s."""
    return (day.replace(day=1) + dt.timedelta(days=32)).replace(day=1)


#: Reports cover the years the working-time calendar knows (it spans 2000–2060).
EARLIEST, LATEST = dt.date(2000, 1, 1), dt.date(2060, 12, 31)


def period(start: dt.date, end: dt.date) -> Period:
    if not (EARLIEST <= start <= LATEST and EARLIEST <= end <= LATEST):
        raise InvalidInput(
            f"Kỳ báo cáo phải nằm trong khoảng {EARLIEST:%d/%m/%Y}–{LATEST:%d/%m/%Y}"
            " (the period must lie within the calendar's years)",
            code="invalid-period",
        )
    if start > end:
        raise InvalidInput(
            f"Ngày bắt đầu {start:%d/%m/%Y} sau ngày kết thúc {end:%d/%m/%Y}"
            " (the period starts after it ends)",
            code="invalid-period",
        )
    p = Period(start, end)
    if p.days > MAX_DAYS:
        raise InvalidInput(
            f"Kỳ báo cáo dài {p.days} ngày, tối đa {MAX_DAYS} ngày"
            f" (the period is {p.days} days long; at most {MAX_DAYS})",
            code="period-too-long",
            max_days=MAX_DAYS,
        )
    return p


async def report_unit(
    session: AsyncSession, principal: Principal, code: str | None, *, right: str = Right.REPORT_VIEW
) -> ScopeUnit:
    """The unit a report covers (default: the user's own unit), in the caller's scope."""
    principal.require(right)
    if code is None:
        if principal.unit_code is None:
            raise InvalidInput(
                "Hãy chỉ rõ đơn vị (unit is required for API clients)", code="unit-required"
            )
        code = principal.unit_code
    unit = await snapshots.unit_by_code(session, code)
    if principal.kind == "user":
        principal.require_unit(unit.path, unit.code)
    elif not any(unit.path.startswith(p) for p in await client_paths(session, principal)):
        raise Forbidden(
            f"Đơn vị {unit.code} nằm ngoài phạm vi của ứng dụng {principal.name}"
            f" (unit {unit.code} is outside the scope of {principal.name})",
            code="outside-unit-scope",
            right="unit-scope",
            unit=unit.code,
        )
    return unit


async def subtree(session: AsyncSession, unit: ScopeUnit) -> list[ScopeUnit]:
    """The unit and every unit below it, parents before children."""
    rows = (
        await session.execute(
            select(*SCOPE_COLUMNS)
            .where(U.c.path.startswith(unit.path, autoescape=True))
            .order_by(U.c.path)
        )
    ).all()
    return [scope_unit(r) for r in rows]


def in_subtree(unit: ScopeUnit) -> Any:
    """``unit.path LIKE '<path>%'`` for a query joined to ``unit``."""
    return U.c.path.startswith(unit.path, autoescape=True)


async def custom_plans(session: AsyncSession) -> None:
    """PostgreSQL: plan report queries for their actual range (a prepared statement's generic plan
    does not know the range and was slower for range parameters; bench/RESULTS.md, "Custom plans
    only where they pay")."""
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))


CORRECTION_LIMIT = 100


async def corrections(session: AsyncSession, unit: ScopeUnit, p: Period) -> list[dict[str, Any]]:
    """Dossier events of type ``correction`` recorded in the period for dossiers of the subtree."""
    rows = (
        await session.execute(
            select(E.c.at, E.c.actor, E.c.payload, E.c.seq, D.c.code)
            .join(D, D.c.id == E.c.dossier_id)
            .join(U, U.c.id == D.c.competent_unit_id)
            .where(
                # A literal, so both backends match the partial index on it (bench/RESULTS.md).
                E.c.type == literal_column(f"'{EventType.CORRECTION}'"),
                E.c.at >= p.start_at,
                E.c.at < p.end_at,
                in_subtree(unit),
            )
            .order_by(E.c.at, E.c.id)
            .limit(CORRECTION_LIMIT)
        )
    ).mappings()
    return [
        {
            "dossier_code": r["code"],
            "seq": r["seq"],
            "at": r["at"],
            "actor": r["actor"],
            "reason": (r["payload"] or {}).get("reason"),
        }
        for r in rows
    ]


API = "/api/v1/reports"


def link(path: str, **params: Any) -> str:
    """A drill-down URL: ``/api/v1/reports/<path>?…`` (``from_`` is sent as ``from``)."""
    query = {
        k.rstrip("_"): v.isoformat() if isinstance(v, dt.date) else str(v)
        for k, v in params.items()
        if v is not None
    }
    return f"{API}/{path}?{urlencode(query)}"
