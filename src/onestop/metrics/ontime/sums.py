"""The sums behind the on-time report: early / on time / late per group key over the period and a
unit's subtree, read from the on-time rollups (never from the dossier table).

Each statement is built once per shape (rollup table, group key, number of date ranges) with
bound values. On PostgreSQL it runs straight on the session's asyncpg connection
(``core.driver.driver_fetch``), inside the transaction that asked for custom plans: a quarter for
2,000 units returns ~2,000 rows, and SQLAlchemy's statement building and result processing had
cost more than the query.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy import Date, Table, and_, bindparam, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from onestop.catalog.models import Procedure
from onestop.catalog.snapshots import ScopeUnit
from onestop.core.driver import driver_fetch
from onestop.metrics import periods
from onestop.metrics.ontime import rates
from onestop.metrics.ontime.models import OntimeDaily, OntimeUnitDaily, OntimeUnitMonthly

R: Table = OntimeDaily.__table__  # type: ignore[assignment]
RU: Table = OntimeUnitDaily.__table__  # type: ignore[assignment]
RM: Table = OntimeUnitMonthly.__table__  # type: ignore[assignment]
P: Table = Procedure.__table__  # type: ignore[assignment]
U = periods.U

#: The on-time rollups by name.
TABLES = {"daily": R, "unit_daily": RU, "unit_monthly": RM}
DateRange = tuple[dt.date, dt.date]


@dataclass
class Counts:
    early: int = 0
    on_time: int = 0
    late: int = 0

    @property
    def finished(self) -> int:
        return self.early + self.on_time + self.late

    def add(self, other: Counts) -> None:
        self.early += other.early
        self.on_time += other.on_time
        self.late += other.late

    def as_dict(self) -> dict[str, Any]:
        r = rates.rate(self.early, self.on_time, self.finished)
        return {
            "early": self.early,
            "on_time": self.on_time,
            "late": self.late,
            "finished": self.finished,
            "rate": str(r) if r is not None else None,
        }


@lru_cache(maxsize=64)
def statement(table_name: str, key: str, date_column: str, ranges: int) -> Any:
    """``SELECT key, Σ early, Σ on_time, Σ late`` over the subtree (``subtree`` LIKE pattern) and
    ``ranges`` inclusive date ranges (``lo0``/``hi0``, …); ``key`` "field" joins the procedure."""
    table = TABLES[table_name]
    key_col = P.c.field if key == "field" else table.c[key]
    day = table.c[date_column]
    within = [
        and_(day >= bindparam(f"lo{i}", type_=Date()), day <= bindparam(f"hi{i}", type_=Date()))
        for i in range(ranges)
    ]
    stmt = (
        select(key_col, *(func.coalesce(func.sum(table.c[b]), 0) for b in rates.BUCKETS))
        .select_from(table.join(U, U.c.id == table.c.competent_unit_id))
        .where(U.c.path.like(bindparam("subtree"), escape="\\"), or_(*within))
        .group_by(key_col)
    )
    if key == "field":
        stmt = stmt.join(P, P.c.id == table.c.procedure_id)
    return stmt


def params(unit: ScopeUnit, ranges: Sequence[DateRange]) -> dict[str, Any]:
    pattern = unit.path.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    out: dict[str, Any] = {"subtree": pattern}
    for i, (lo, hi) in enumerate(ranges):
        out[f"lo{i}"], out[f"hi{i}"] = lo, hi
    return out


async def add_sums(
    session: AsyncSession,
    stmt: Any,
    values: dict[str, Any],
    out: dict[Any, Counts],
    key: Callable[[Any], Any],
) -> None:
    """Adds the rows ``(key, early, on_time, late)`` of ``stmt`` into ``out`` (one object a key)."""
    rows: Sequence[Any]
    if session.get_bind().dialect.name == "postgresql":
        rows = await driver_fetch(await session.connection(), stmt, values)
    else:
        rows = (await session.execute(stmt, values)).all()
    for k, early, on_time, late in rows:
        k = key(k)
        c = out.get(k)
        if c is None:
            out[k] = Counts(int(early), int(on_time), int(late))
        else:
            c.early += int(early)
            c.on_time += int(on_time)
            c.late += int(late)
