"""The managers' dashboard and the leaders' inbox: periods chosen by name (this month, quarter,
year), open dossiers counted per child unit, and the lists behind those counts.

Every count and its list are built from one function (``_where``) so that a count shown on the
dashboard and the list it links to always agree: the count is ``count(*)`` over the same
conditions the list pages through. The open-dossier categories (docs/rules.md §9.5, §8):

* ``overdue``: open, clock running (not status 5), ``due_at < now``;
* ``due_soon``: open, clock running, ``now ≤ due_at ≤ now + 1 working day`` (the unit's calendar);
* ``paused``: open and waiting for the applicant's papers (status 5, the clock stands still);
* ``apology``: overdue and no apology (Form 04) recorded for the dossier (its re-appointment
  count is 0);
* ``apology_due`` (the leader's inbox): open, clock running, no apology, due within one working
  day or already past it: the apology is late or about to be.

A dossier belongs to the unit whose subtree holds its competent unit. The lists carry no personal
data (code, procedure, units, dates): managers do not hold the right to see applicants.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from sqlalchemy import ColumnElement, TextClause, and_, func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from onestop.catalog import lookups, snapshots
from onestop.catalog.models import Procedure
from onestop.catalog.snapshots import ScopeUnit
from onestop.core.errors import InvalidInput
from onestop.core.paging import ROW_ID, decode_cursor, encode_cursor
from onestop.dossiers.models import OPEN_PREDICATE
from onestop.dossiers.states import Status
from onestop.metrics import periods
from onestop.metrics.periods import Period
from onestop.metrics.satisfaction.models import FollowupTask
from onestop.metrics.worklists.query import Horizon, horizon_clause, horizons

OpenKind = Literal["overdue", "due_soon", "paused", "apology", "apology_due"]
OPEN_KINDS_VI: dict[str, str] = {
    "overdue": "Quá hạn",
    "due_soon": "Đến hạn trong 1 ngày làm việc",
    "paused": "Chờ công dân bổ sung",
    "apology": "Quá hạn chưa xin lỗi",
    "apology_due": "Cần xin lỗi (Mẫu 04)",
}
DASHBOARD_KINDS: tuple[OpenKind, ...] = ("overdue", "due_soon", "paused", "apology")

D = periods.D
U = periods.U
P = Procedure.__table__
FT = FollowupTask.__table__
ONE_DAY = Decimal(1)

PeriodChoice = Literal["month", "quarter", "year", "custom"]
PERIOD_CHOICES_VI = {
    "month": "Tháng này",
    "quarter": "Quý này",
    "year": "Năm nay",
    "custom": "Tùy chọn",
}


def chosen_period(
    choice: str, start: dt.date | None, end: dt.date | None, today: dt.date
) -> Period:
    """The period of a named choice around ``today``, or the custom range (checked by
    ``periods.period``: order, length, calendar years)."""
    if choice == "month":
        first = today.replace(day=1)
        return periods.period(first, _month_end(first))
    if choice == "year":
        return periods.period(dt.date(today.year, 1, 1), dt.date(today.year, 12, 31))
    if choice == "custom":
        if start is None or end is None:
            raise InvalidInput(
                "Hãy chọn cả ngày bắt đầu và ngày kết thúc của kỳ báo cáo"
                " (both dates of a custom period are required)",
                code="invalid-period",
            )
        return periods.period(start, end)
    first_month = 3 * ((today.month - 1) // 3) + 1
    first = dt.date(today.year, first_month, 1)
    return periods.period(first, _month_end(dt.date(today.year, first_month + 2, 1)))


def _month_end(first: dt.date) -> dt.date:
    return (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)


def last_twelve_months(today: dt.date) -> Period:
    """From the first day of the month eleven months ago to the end of this month."""
    month = today.month - 11
    year = today.year + (month - 1) // 12
    month = (month - 1) % 12 + 1
    return periods.period(dt.date(year, month, 1), _month_end(today.replace(day=1)))


def _where(
    kind: OpenKind, unit: ScopeUnit, as_of: dt.datetime, soon: list[Horizon]
) -> list[ColumnElement[bool] | TextClause]:
    """Every condition of a category: open, in the unit's subtree, and the category's own."""
    return [*_open_in(unit), *_kind(kind, as_of, soon)]


def _open_in(unit: ScopeUnit) -> list[ColumnElement[bool] | TextClause]:
    return [text(OPEN_PREDICATE), periods.in_subtree(unit)]


def _kind(kind: OpenKind, as_of: dt.datetime, soon: list[Horizon]) -> list[ColumnElement[bool]]:
    """The conditions of a category over open dossiers (``_where`` adds open and subtree)."""
    d = D.c
    paused = d.status == int(Status.SUPPLEMENT_REQUESTED)
    if kind == "paused":
        return [paused]
    out: list[ColumnElement[bool]] = [d.due_at.is_not(None), ~paused]
    # Each apology (Form 04) is a re-appointment: no apology on record ⇔ none counted on the
    # dossier (as the alert job reads it), read from the open dossiers' index alone.
    no_apology = d.reappointment_count == 0
    if kind == "overdue":
        return [*out, d.due_at < as_of]
    if kind == "apology":
        return [*out, d.due_at < as_of, no_apology]
    if kind == "due_soon":
        return [*out, d.due_at >= as_of, horizon_clause(soon)]
    return [*out, horizon_clause(soon), no_apology]  # apology_due: late, or within a day


def _joined() -> Any:
    return D.join(U, U.c.id == D.c.competent_unit_id)


async def _soon(session: AsyncSession, kind: OpenKind, as_of: dt.datetime) -> list[Horizon]:
    return (
        await horizons(session, as_of, days=ONE_DAY) if kind in ("due_soon", "apology_due") else []
    )


async def open_count(
    session: AsyncSession, kind: OpenKind, unit: ScopeUnit, as_of: dt.datetime
) -> int:
    soon = await _soon(session, kind, as_of)
    stmt = select(func.count()).select_from(_joined()).where(*_where(kind, unit, as_of, soon))
    return int((await session.execute(stmt)).scalar_one())


@dataclass(frozen=True)
class OpenRow:
    """A child unit (its subtree) and its open-dossier counts per category."""

    unit: ScopeUnit
    counts: dict[str, int]


async def open_counts(
    session: AsyncSession, unit: ScopeUnit, as_of: dt.datetime
) -> tuple[OpenRow, list[OpenRow]]:
    """The unit's counts and each child unit's (children of ``unit`` only), in one pass over the
    open dossiers of the subtree: a count per category (``_kind``, the conditions of its list)
    per unit path, summed per child subtree here."""
    children = await child_units(session, unit)
    soon = await horizons(session, as_of, days=ONE_DAY)
    per_kind = [func.count().filter(and_(*_kind(k, as_of, soon))) for k in DASHBOARD_KINDS]
    stmt = (
        select(U.c.path, *per_kind).select_from(_joined()).where(*_open_in(unit)).group_by(U.c.path)
    )
    found = [(r[0], r[1:]) for r in (await session.execute(stmt)).all()]
    counts = dict(
        zip(DASHBOARD_KINDS, per_child_many(unit, found, len(DASHBOARD_KINDS)), strict=True)
    )
    rows = [OpenRow(unit, {k: counts[k].get(unit.id, 0) for k in DASHBOARD_KINDS})]
    rows += [OpenRow(u, {k: counts[k].get(u.id, 0) for k in DASHBOARD_KINDS}) for u in children]
    return rows[0], rows[1:]


def per_child(unit: ScopeUnit, by_path: Any) -> dict[int, int]:
    """Counts per unit path (``/1/5/9/``) of ``unit``'s subtree → the total under ``unit.id``
    and the sum under each child's id (the first id after the unit's own path)."""
    return per_child_many(unit, [(path, (n,)) for path, n in by_path], 1)[0]


def per_child_many(unit: ScopeUnit, by_path: Any, width: int) -> list[dict[int, int]]:
    """``per_child`` of ``width`` counts per path at once (each path read once)."""
    out: list[dict[int, int]] = [{unit.id: 0} for _ in range(width)]
    skip = len(unit.path)
    for path, ns in by_path:
        rest = str(path)[skip:]
        child = int(rest.split("/", 1)[0]) if rest else None
        for i, n in enumerate(ns):
            counts = out[i]
            counts[unit.id] += int(n)
            if child is not None:
                counts[child] = counts.get(child, 0) + int(n)
    return out


async def followup_counts(session: AsyncSession, unit: ScopeUnit) -> dict[int, int]:
    """Open follow-up tasks ("không hài lòng" without a recorded follow-up) of the unit and of
    each child subtree, by unit id, in one query (same conditions as
    ``satisfaction.followup.open_count`` and its list)."""
    stmt = (
        select(U.c.path, func.count())
        .select_from(FT.join(U, U.c.id == FT.c.unit_id))
        .where(periods.in_subtree(unit), FT.c.resolved_at.is_(None))
        .group_by(U.c.path)
    )
    return per_child(unit, (await session.execute(stmt)).all())


async def child_units(session: AsyncSession, unit: ScopeUnit) -> list[ScopeUnit]:
    return [u for u in await snapshots.subtree(session, unit) if u.parent_id == unit.id]


@dataclass(frozen=True)
class OpenDossier:
    """A dossier of an open-dossier list (no personal data)."""

    code: str
    status: int
    procedure_code: str
    procedure_name: str
    unit_code: str
    unit_name: str
    received_at: dt.datetime | None
    due_at: dt.datetime | None
    #: apology_due: an apology issued now would still be on time (≥ 1 working day before due).
    apology_on_time: bool | None = None


async def open_dossiers(
    session: AsyncSession,
    kind: OpenKind,
    unit: ScopeUnit,
    as_of: dt.datetime,
    *,
    limit: int,
    cursor: str | None,
) -> tuple[list[OpenDossier], str | None]:
    """One page of a list, most urgent first (``due_at``, then id; paused: by id)."""
    soon = await _soon(session, kind, as_of)
    values = decode_cursor(cursor, (ROW_ID,))
    offset = int(values[0]) if values is not None else 0
    stmt = (
        select(
            D.c.id,
            D.c.code,
            D.c.status,
            D.c.received_at,
            D.c.due_at,
            D.c.competent_unit_id,
            P.c.code.label("procedure_code"),
            P.c.name.label("procedure_name"),
            U.c.code.label("unit_code"),
            U.c.name.label("unit_name"),
        )
        .select_from(_joined().join(P, P.c.id == D.c.procedure_id))
        .where(*_where(kind, unit, as_of, soon))
        .order_by(D.c.due_at, D.c.id)
        .offset(offset)
        .limit(limit + 1)
    )
    rows = (await session.execute(stmt)).mappings().all()
    more = len(rows) > limit
    rows = rows[:limit]
    items = []
    for r in rows:
        on_time = None
        if kind == "apology_due" and r["due_at"] is not None:
            on_time = await _apology_on_time(session, r["competent_unit_id"], as_of, r["due_at"])
        items.append(
            OpenDossier(
                code=r["code"],
                status=r["status"],
                procedure_code=r["procedure_code"],
                procedure_name=r["procedure_name"],
                unit_code=r["unit_code"],
                unit_name=r["unit_name"],
                received_at=r["received_at"],
                due_at=r["due_at"],
                apology_on_time=on_time,
            )
        )
    return items, encode_cursor([offset + limit]) if more else None


async def _apology_on_time(
    session: AsyncSession, unit_id: int, as_of: dt.datetime, due_at: dt.datetime
) -> bool:
    """As the apologize action decides it: at least one working day left before ``due_at``."""
    cal = await lookups.calendar_for(session, await lookups.unit_by_id(session, unit_id))
    if due_at <= as_of:
        return False
    try:
        return bool(cal.working_time_between(as_of, due_at) >= dt.timedelta(hours=8))
    except ValueError:
        return False
