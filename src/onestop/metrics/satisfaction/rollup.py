"""Ratings per competent unit, local month and level (``report_rating_monthly``): the
satisfaction report and the dissatisfied count of the 766 indicators read whole months from
these sums and only the days outside whole months from the ratings themselves, so a quarter of
a province is a few thousand sums, not hundreds of thousands of ratings.

Kept exact by construction: a rating is only ever inserted, once per dossier, by
``satisfaction.service`` (never changed or deleted), and the service adds it here in the same
transaction (``count``). Bulk loads that write ``report_rating`` directly call ``rebuild``;
``differences`` compares the sums with a recomputation (``onestop rollups verify``).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

from sqlalchemy import Date, Table, and_, delete, func, literal_column, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from onestop.catalog.snapshots import ScopeUnit
from onestop.core import clock
from onestop.core.db import upsert
from onestop.metrics import periods
from onestop.metrics.periods import Period
from onestop.metrics.satisfaction.models import Rating, RatingMonthly

RT: Table = Rating.__table__  # type: ignore[assignment]
RM: Table = RatingMonthly.__table__  # type: ignore[assignment]
U = periods.U
#: (unit id, level) → ratings.
LevelCounts = Counter[tuple[int, str]]


def month_of(at: dt.datetime) -> dt.date:
    """The first day of the local month of an instant."""
    return at.astimezone(clock.LOCAL_TZ).date().replace(day=1)


async def count(session: AsyncSession, rating: Rating) -> None:
    """Add a new rating to its month's sum (in the caller's transaction)."""
    insert = upsert(session.get_bind().dialect.name)
    stmt = insert(RM).values(
        unit_id=rating.unit_id, month=month_of(rating.at), level=rating.level, n=1
    )
    await session.execute(
        stmt.on_conflict_do_update(index_elements=list(RM.primary_key), set_={"n": RM.c.n + 1})
    )


async def level_counts(
    session: AsyncSession, unit: ScopeUnit, p: Period, *, level: str | None = None
) -> LevelCounts:
    """Ratings given in the period to dossiers of the unit's subtree, per unit and level."""
    edges, months = periods.whole_months(p)
    out: LevelCounts = Counter()
    if months is not None:
        stmt = (
            select(RM.c.unit_id, RM.c.level, func.sum(RM.c.n))
            .select_from(RM.join(U, U.c.id == RM.c.unit_id))
            .where(RM.c.month.between(*months), periods.in_subtree(unit))
            .group_by(RM.c.unit_id, RM.c.level)
        )
        out.update(_counts(await session.execute(_level(stmt, RM, level))))
    if edges:
        days = [and_(RT.c.at >= clock.day_start(lo), RT.c.at < _after(hi)) for lo, hi in edges]
        stmt = (
            select(RT.c.unit_id, RT.c.level, func.count())
            .select_from(RT.join(U, U.c.id == RT.c.unit_id))
            .where(or_(*days), periods.in_subtree(unit))
            .group_by(RT.c.unit_id, RT.c.level)
        )
        out.update(_counts(await session.execute(_level(stmt, RT, level))))
    return out


def _after(day: dt.date) -> dt.datetime:
    return clock.day_start(day + dt.timedelta(days=1))


def _level(stmt: Any, table: Table, level: str | None) -> Any:
    return stmt if level is None else stmt.where(table.c.level == level)


def _counts(rows: Any) -> LevelCounts:
    return Counter({(int(unit_id), str(level)): int(n) for unit_id, level, n in rows})


def _month_sql(dialect: str) -> Any:
    if dialect == "postgresql":
        return func.cast(func.date_trunc("month", func.timezone("Asia/Ho_Chi_Minh", RT.c.at)), Date)
    # SQLite stores UTC text; Viet Nam has kept UTC+7 without daylight saving since 1975.
    return func.date(RT.c.at, literal_column("'+7 hours'"), literal_column("'start of month'"))


def _recomputed(dialect: str) -> Any:
    month = _month_sql(dialect)
    return select(RT.c.unit_id, month.label("month"), RT.c.level, func.count().label("n")).group_by(
        RT.c.unit_id, month, RT.c.level
    )


def rebuild_statement(dialect: str) -> Any:
    """``INSERT … SELECT`` of every month's sums from the ratings (into an empty table)."""
    return RM.insert().from_select(["unit_id", "month", "level", "n"], _recomputed(dialect))


async def rebuild(session: AsyncSession) -> int:
    """Recompute the sums from the ratings (after bulk loads); no commit. Returns the rows."""
    await session.execute(delete(RM))
    result = await session.execute(rebuild_statement(session.get_bind().dialect.name))
    return int(getattr(result, "rowcount", 0) or 0)


async def differences(session: AsyncSession) -> dict[str, dict[Any, Any]]:
    """The keys (unit, month, level) where a stored sum and its recomputation disagree:
    (stored, recomputed). Empty when exact."""
    want = {
        (int(u), _as_date(m), str(lv)): int(n)
        for u, m, lv, n in await session.execute(_recomputed(session.get_bind().dialect.name))
    }
    have = {
        (int(u), _as_date(m), str(lv)): int(n)
        for u, m, lv, n in await session.execute(
            select(RM.c.unit_id, RM.c.month, RM.c.level, RM.c.n)
        )
    }
    diff = {
        key: (have.get(key, 0), want.get(key, 0))
        for key in want.keys() | have.keys()
        if have.get(key, 0) != want.get(key, 0)
    }
    return {RM.name: diff} if diff else {}


def _as_date(value: Any) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))
