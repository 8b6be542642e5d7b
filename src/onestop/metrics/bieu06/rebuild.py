"""The Biểu 06 rollups from scratch: ``rebuild`` in SQL (after bulk loads), ``recompute`` in Python
(the oracle, through ``bieu06.flows``) and ``differences`` between what is stored and the oracle."""

from __future__ import annotations

from collections import Counter
from typing import Any

from sqlalchemy import and_, case, delete, func, literal, literal_column, or_, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from onestop.dossiers.states import Channel
from onestop.metrics import flush_diff, level_groups
from onestop.metrics.bieu06 import columns as bieu06_columns, rollup as bieu06_rollup
from onestop.metrics.bieu06.flows import CLOSED_OTHER, FIELDS
from onestop.metrics.bieu06.models import FLOWS
from onestop.metrics.bieu06.rollup import DAILY, MONTHLY, TABLES, TOTAL, Delta, Rows, measures
from onestop.metrics.ontime import rates

D = bieu06_columns.D
P = bieu06_columns.P
U = bieu06_columns.U


async def recompute(session: AsyncSession) -> Rows:
    """The rollups as they should be, from the dossier rows in Python."""
    delta: Delta = Counter()
    result = await session.stream(
        select(*(D.c[n] for n in FIELDS)).where(D.c.received_at.is_not(None))
    )
    async for row in result.mappings():
        delta.update(bieu06_rollup.row_delta(dict(row)))
    units = {
        int(r.id): (bieu06_rollup.root_of(r.path), level_groups.level_group(r.level))
        for r in await session.execute(select(U.c.id, U.c.path, U.c.level))
    }
    fields = {int(r.id): str(r.field) for r in await session.execute(select(P.c.id, P.c.field))}
    folded = bieu06_rollup.fold(delta, units, fields)
    return {t: {k: v for k, v in rows.items() if any(v.values())} for t, rows in folded.items()}


async def stored(session: AsyncSession) -> Rows:
    """The rollups' non-empty rows."""
    out: Rows = {}
    for table in TABLES:
        pk = [c.name for c in table.primary_key.columns]
        out[table.name] = {}
        for r in (await session.execute(select(table))).mappings():
            v = {m: int(r[m]) for m in measures(table)}
            if any(v.values()):
                out[table.name][tuple(r[c] for c in pk)] = v
    return out


def _stripes_added(table: Any, rows: dict[Any, dict[str, int]]) -> dict[Any, dict[str, int]]:
    """Rows keyed without the stripe, its stripes added up (all a reader ever sees: a batch of
    intakes writes in one stripe, ``bieu06_rollup.stripe_of``)."""
    at = [c.name for c in table.primary_key.columns].index("stripe")
    out: dict[Any, dict[str, int]] = {}
    for key, values in rows.items():
        row = out.setdefault(key[:at] + key[at + 1 :], dict.fromkeys(values, 0))
        for m, n in values.items():
            row[m] += n
    return {k: v for k, v in out.items() if any(v.values())}


async def differences(session: AsyncSession) -> dict[str, dict[Any, Any]]:
    """Per table, keys (stripes added up) where the rollup and a recomputation disagree:
    (stored, recomputed)."""
    want, have = await recompute(session), await stored(session)
    out: dict[str, dict[Any, Any]] = {}
    for table in TABLES:
        zero = dict.fromkeys(measures(table), 0)
        diff = flush_diff.disagreements(
            _stripes_added(table, want[table.name]), _stripes_added(table, have[table.name]), zero
        )
        if diff:
            out[table.name] = diff
    return out


# -- SQL -------------------------------------------------------------------------------------------
def _day(at: Any, dialect: str) -> Any:
    if dialect == "postgresql":
        return func.date(func.timezone("Asia/Ho_Chi_Minh", at))
    # SQLite stores UTC text; Viet Nam has kept UTC+7 without daylight saving since 1975.
    return func.date(at, literal_column("'+7 hours'"))


def _later(a: Any, b: Any) -> Any:
    return case((a > b, a), else_=b)


def _stripe(receiving: Any) -> Any:
    return (receiving % bieu06_rollup.STRIPES).label("stripe")


def _flow(day: Any, **given: Any) -> list[Any]:
    return [
        D.c.competent_unit_id.label("unit_id"),
        _stripe(D.c.receiving_unit_id),
        D.c.procedure_id.label("procedure_id"),
        day.label("day"),
        *(given.get(m, literal(0)).label(m) for m in FLOWS),
    ]


def _spells() -> Any:
    """(unit, procedure, a, b) of every overdue spell (``bieu06.flows.overdue_spells``)."""
    r, e, p, q = D.c.received_at, D.c.ended_at, D.c.pause_started_at, D.c.pause_ended_at
    late = or_(D.c.late_flag.is_(True), D.c.supplement_count > 1)
    base = [D.c.competent_unit_id, D.c.receiving_unit_id, D.c.procedure_id]
    first_end = case((p.is_(None), e), (and_(e.is_not(None), e < p), e), else_=p)
    return union_all(
        select(*base, r.label("a"), e.label("b")).where(r.is_not(None), late),
        select(*base, _later(r, D.c.due_at_original).label("a"), first_end.label("b")).where(
            r.is_not(None), ~late, D.c.due_at_original.is_not(None)
        ),
        select(*base, _later(D.c.due_at, q).label("a"), e.label("b")).where(
            r.is_not(None), ~late, p.is_not(None), q.is_not(None), D.c.due_at.is_not(None)
        ),
    ).subquery("spells")


def flows_sql(dialect: str) -> Any:
    """Every flow row (unit, procedure, day, measures) of the dossier table."""
    received = D.c.received_at.is_not(None)
    online = case((D.c.channel == Channel.ONLINE, 1), else_=0)
    other = D.c.status.in_(CLOSED_OTHER)
    b = rates.bucket_sql()
    ends = {
        "end_other": case((other, 1), else_=0),
        **{
            f"end_{k}": case((and_(~other, b == k), 1), else_=0)
            for k in ("early", "on_time", "late")
        },
    }
    s = _spells()
    da, db = _day(s.c.a, dialect), _day(s.c.b, dialect)
    counted = or_(s.c.b.is_(None), da < db)
    spell_cols = [
        s.c.competent_unit_id.label("unit_id"),
        _stripe(s.c.receiving_unit_id),
        s.c.procedure_id.label("procedure_id"),
    ]
    zeros = [literal(0).label(m) for m in FLOWS if m != "overdue"]
    return union_all(
        select(*_flow(_day(D.c.received_at, dialect), recv_online=online, recv_other=1 - online))
        .where(received),
        select(*_flow(_day(D.c.ended_at, dialect), **ends))
        .where(received, D.c.ended_at.is_not(None)),
        select(*spell_cols, da.label("day"), *zeros, literal(1).label("overdue")).where(counted),
        select(*spell_cols, db.label("day"), *zeros, literal(-1).label("overdue"))
        .where(s.c.b.is_not(None), da < db),
    ).subquery("flows")  # fmt: skip


def _month(day: Any, dialect: str) -> Any:
    if dialect == "postgresql":
        return func.date(func.date_trunc("month", day))
    return func.date(day, literal_column("'start of month'"))


async def rebuild(session: AsyncSession) -> int:
    """Recompute the three tables in SQL (no commit); returns the number of grain-0 daily rows."""
    dialect = session.get_bind().dialect.name
    for table in TABLES:
        await session.execute(delete(table))
    f = flows_sql(dialect)
    sums = [func.sum(f.c[m]).label(m) for m in FLOWS]
    fixed: list[Any] = [literal(0).label("grain"), f.c.stripe, literal("").label("lg")]
    result = await session.execute(
        DAILY.insert().from_select(
            ["grain", "stripe", "level_group", "unit_id", "field", "day", *FLOWS],
            select(*fixed, f.c.unit_id, P.c.field, f.c.day, *sums)
            .select_from(f.join(P, P.c.id == f.c.procedure_id))
            # In primary-key order: SQLite then appends to the index instead of seeking.
            .group_by(f.c.unit_id, f.c.day, f.c.stripe, P.c.field),
        )
    )
    key = [DAILY.c.grain, DAILY.c.stripe, DAILY.c.level_group, DAILY.c.unit_id, DAILY.c.field]
    month = _month(DAILY.c.day, dialect)
    await session.execute(
        MONTHLY.insert().from_select(
            ["grain", "stripe", "level_group", "unit_id", "field", "month", *FLOWS],
            select(*key, month, *(func.sum(DAILY.c[m]) for m in FLOWS))
            .where(DAILY.c.grain == 0)
            .group_by(DAILY.c.unit_id, month, DAILY.c.field, *key),
        )
    )
    ended = sum((DAILY.c[m] for m in FLOWS if m.startswith("end_")), literal(0))
    opened = func.sum(DAILY.c.recv_online + DAILY.c.recv_other - ended)
    await session.execute(
        TOTAL.insert().from_select(
            ["grain", "stripe", "level_group", "unit_id", "field", "open", "overdue"],
            select(*key, opened, func.sum(DAILY.c.overdue))
            .where(DAILY.c.grain == 0)
            .group_by(*key),
        )
    )
    await session.run_sync(lambda s: bieu06_rollup.regroup(s.connection()))
    return int(getattr(result, "rowcount", 0) or 0)
