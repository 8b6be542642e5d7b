"""Keeps the on-time rollups (``report_ontime_*``) exact, in the same transaction as the change
to the dossier.

Mechanism: a SQLAlchemy ``before_flush`` hook (``before_flush``) on every session of the
application's sessionmaker, attached in ``onestop.wiring`` (never by importing). On each flush it
looks at the ``Dossier`` rows being inserted, changed or deleted, computes each row's contribution
before and after (its key — competent unit, procedure, local day of ``finished_at`` — and its
bucket, ``rates.bucket``), and adds the difference to the three rollup tables (per unit × procedure
× day, per unit × day, per unit × month) with ``INSERT … ON CONFLICT DO UPDATE SET n = n +
excluded.n``. The rollup write and the dossier
write share the flush's transaction (and savepoint): both commit or neither does.

The dependency points one way: the dossiers package knows nothing of this (it only flushes ORM
objects). What this does **not** see: Core ``UPDATE``/``INSERT`` statements on ``dossier``. The
dossiers package writes intake with Core inserts (those rows never have ``finished_at``), and every
action that sets ``finished_at`` (``finish``, ``return`` without resolution, imported histories)
goes through the ORM. Bulk loads (COPY in benchmarks) must call ``rebuild`` afterwards;
``differences`` recomputes from scratch and lists any drift.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

from sqlalchemy import Date, Table, case, delete, func, inspect, literal_column, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from onestop.core import clock
from onestop.core.db import upsert
from onestop.dossiers.models import Dossier
from onestop.metrics import flush_diff
from onestop.metrics.ontime import rates
from onestop.metrics.ontime.models import OntimeDaily, OntimeUnitDaily, OntimeUnitMonthly

D = Dossier.__table__
R: Table = OntimeDaily.__table__  # type: ignore[assignment]
RU: Table = OntimeUnitDaily.__table__  # type: ignore[assignment]
RM: Table = OntimeUnitMonthly.__table__  # type: ignore[assignment]
TABLES: tuple[Table, ...] = (R, RU, RM)

#: Dossier attributes a rollup contribution depends on.
FIELDS = (
    "competent_unit_id",
    "procedure_id",
    "finished_at",
    "due_at",
    "timing",
    "late_flag",
    "supplement_count",
)

Key = tuple[int, int, dt.date]  # competent unit, procedure, local day
Contribution = tuple[Key, str]
Counts = dict[str, int]
#: Per table name: key (without the table's absent dimensions) → counts.
Rollups = dict[str, dict[tuple[Any, ...], Counts]]


def _zero() -> Counts:
    return {b: 0 for b in rates.BUCKETS}


def contribution(values: dict[str, Any]) -> Contribution | None:
    """(key, bucket) of one dossier row, or None when it has not finished."""
    b = rates.bucket(
        finished_at=values["finished_at"],
        due_at=values["due_at"],
        timing=values["timing"],
        late_flag=values["late_flag"],
        supplement_count=values["supplement_count"],
    )
    if b is None:
        return None
    key = (
        int(values["competent_unit_id"]),
        int(values["procedure_id"]),
        clock.local_date(values["finished_at"]),
    )
    return key, b


def grains(key: Key) -> dict[str, tuple[Any, ...]]:
    """The key of each rollup table for a finest-grain key."""
    unit, procedure, day = key
    return {
        R.name: (unit, procedure, day),
        RU.name: (unit, day),
        RM.name: (unit, day.replace(day=1)),
    }


def before_flush(session: Session, _flush_context: Any, _instances: Any) -> None:
    deltas: Counter[Contribution] = Counter()
    for obj in session.new:
        if isinstance(obj, Dossier):
            new = contribution(flush_diff.current(obj, FIELDS))
            if new is not None:
                deltas[new] += 1
    for obj in session.dirty:
        if isinstance(obj, Dossier) and obj not in session.deleted:
            old_values = flush_diff.previous(session, obj, FIELDS)
            if old_values is None:
                continue
            old, new = contribution(old_values), contribution(flush_diff.current(obj, FIELDS))
            if old != new:
                if old is not None:
                    deltas[old] -= 1
                if new is not None:
                    deltas[new] += 1
    for obj in session.deleted:
        if isinstance(obj, Dossier):
            state = inspect(obj)
            values = {n: state.committed_state.get(n, getattr(obj, n)) for n in FIELDS}
            old = contribution(values)
            if old is not None:
                deltas[old] -= 1
    if any(deltas.values()):
        apply(session, deltas)


def _upsert(dialect: str, table: Table, rows: list[dict[str, Any]]) -> Any:
    insert = upsert(dialect)
    stmt = insert(table).values(rows)
    return stmt.on_conflict_do_update(
        index_elements=list(table.primary_key.columns),
        set_={b: table.c[b] + stmt.excluded[b] for b in rates.BUCKETS},
    )


def fold(per_key: dict[Key, Counts]) -> Rollups:
    """Finest-grain counts → the counts of every rollup table."""
    out: Rollups = {t.name: {} for t in TABLES}
    for key, counts in per_key.items():
        for table, k in grains(key).items():
            target = out[table].setdefault(k, _zero())
            for b, n in counts.items():
                target[b] += n
    return out


def apply(session: Session, deltas: Counter[Contribution]) -> None:
    """Add the differences to the three rollups (sorted keys: a fixed lock order)."""
    per_key: dict[Key, Counts] = {}
    for (key, b), n in deltas.items():
        if n:
            per_key.setdefault(key, _zero())[b] += n
    conn = session.connection()
    folded = fold(per_key)
    for table in TABLES:
        pk = [c.name for c in table.primary_key.columns]
        rows = [
            {**dict(zip(pk, k, strict=True)), **counts}
            for k, counts in sorted(folded[table.name].items())
            if any(counts.values())
        ]
        if rows:
            conn.execute(_upsert(conn.dialect.name, table, rows))


# -- recomputation ---------------------------------------------------------------------------------
async def recompute(session: AsyncSession) -> Rollups:
    """The rollups as they should be, recomputed from the dossier rows in Python (the oracle)."""
    per_key: dict[Key, Counts] = {}
    result = await session.stream(
        select(*(D.c[n] for n in FIELDS)).where(D.c.finished_at.is_not(None))
    )
    async for row in result.mappings():
        c = contribution(dict(row))
        if c is not None:
            per_key.setdefault(c[0], _zero())[c[1]] += 1
    return fold(per_key)


async def stored(session: AsyncSession) -> Rollups:
    """The rollups' non-empty rows."""
    out: Rollups = {}
    for table in TABLES:
        pk = [c.name for c in table.primary_key.columns]
        rows = (await session.execute(select(table))).mappings()
        out[table.name] = {}
        for r in rows:
            counts: Counts = {b: int(r[b]) for b in rates.BUCKETS}
            if any(counts.values()):
                out[table.name][tuple(r[c] for c in pk)] = counts
    return out


async def differences(session: AsyncSession) -> dict[str, dict[Any, Any]]:
    """Per table, the keys where an on-time rollup and a recomputation from scratch disagree:
    (stored, recomputed). Empty when all is exact (``metrics.rollups`` adds Biểu 06)."""
    want, have = await recompute(session), await stored(session)
    zero = _zero()
    out: dict[str, dict[tuple[Any, ...], tuple[Counts, Counts]]] = {}
    for table in TABLES:
        diff = flush_diff.disagreements(want[table.name], have[table.name], zero)
        if diff:
            out[table.name] = diff
    return out


def _local_day_sql(dialect: str) -> Any:
    if dialect == "postgresql":
        return func.date(func.timezone("Asia/Ho_Chi_Minh", D.c.finished_at))
    # SQLite stores UTC text; Viet Nam has kept UTC+7 without daylight saving since 1975.
    return func.date(D.c.finished_at, literal_column("'+7 hours'"))


def _month_sql(dialect: str) -> Any:
    if dialect == "postgresql":
        return func.cast(func.date_trunc("month", RU.c.day), Date)
    return func.date(RU.c.day, literal_column("'start of month'"))


async def rebuild(session: AsyncSession) -> int:
    """Recompute the on-time rollups in SQL (after bulk loads that bypassed the ORM); no commit.
    Returns the number of finest-grain rows."""
    dialect = session.get_bind().dialect.name
    b = rates.bucket_sql()
    day = _local_day_sql(dialect)
    sums = [func.sum(case((b == name, 1), else_=0)).label(name) for name in rates.BUCKETS]
    for table in TABLES:
        await session.execute(delete(table))
    result = await session.execute(
        R.insert().from_select(
            ["competent_unit_id", "procedure_id", "day", *rates.BUCKETS],
            select(D.c.competent_unit_id, D.c.procedure_id, day.label("day"), *sums)
            .where(D.c.finished_at.is_not(None))
            .group_by(D.c.competent_unit_id, D.c.procedure_id, day),
        )
    )
    totals = [func.sum(R.c[name]).label(name) for name in rates.BUCKETS]
    await session.execute(
        RU.insert().from_select(
            ["competent_unit_id", "day", *rates.BUCKETS],
            select(R.c.competent_unit_id, R.c.day, *totals).group_by(
                R.c.competent_unit_id, R.c.day
            ),
        )
    )
    month = _month_sql(dialect)
    await session.execute(
        RM.insert().from_select(
            ["competent_unit_id", "month", *rates.BUCKETS],
            select(
                RU.c.competent_unit_id,
                month.label("month"),
                *(func.sum(RU.c[name]).label(name) for name in rates.BUCKETS),
            ).group_by(RU.c.competent_unit_id, month),
        )
    )
    return int(getattr(result, "rowcount", 0) or 0)
