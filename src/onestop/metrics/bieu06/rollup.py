"""Keeps the Biểu 06 rollups (``bieu06.models``; flows by ``bieu06.flows``) exact, in the same
transaction as the change to the dossier.

* ORM changes: a ``before_flush`` hook (like ``ontime.rollup``) diffs each ``Dossier`` row's
  flows before and after the flush and adds the difference to the daily, monthly and total
  tables, at grain 0 (its competent unit) and grain 1 (the unit's root and level group), both in
  the stripe of its receiving counter (``stripe_of``), keys sorted so concurrent writers lock rows
  in one order.
* Intake writes the dossier with Core statements (``dossiers.intake.statement``): ``INTAKE`` is
  the intake extension that ``onestop.wiring`` attaches to every session. On PostgreSQL it adds
  three data-modifying CTEs to the intake statement: the rows are folded here from the units and
  procedures the intakes looked up (once per shape, kept as JSON), and the statement sums a
  batch's rows by key (no join). Elsewhere it runs ``apply`` after the plain inserts.
* A unit moved or given another level changes which grain-1 rows its dossiers belong to: an
  ``after_flush`` hook then recomputes grain 1 from grain 0 (which is keyed by unit and does not
  change). ``procedure.field`` never changes once created (the catalog has no update of it).

Other Core ``UPDATE``s of ``dossier`` bypass all this: ``bieu06.rebuild.rebuild`` repairs and
``bieu06.rebuild.differences`` detects drift (``onestop rollups rebuild`` / ``verify``).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    Integer,
    SmallInteger,
    Table,
    case,
    cast,
    delete,
    func,
    inspect,
    literal,
    select,
    text,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from onestop.catalog.models import Procedure, Unit
from onestop.core.db import upsert
from onestop.dossiers.intake import statement as intake_statement
from onestop.dossiers.intake.prepare import Draft
from onestop.dossiers.models import Dossier
from onestop.metrics import flush_diff, level_groups
from onestop.metrics.bieu06.flows import FIELDS, contribution
from onestop.metrics.bieu06.models import FLOWS, STOCKS, Bieu06Daily, Bieu06Monthly, Bieu06Total

STRIPES = 16
U: Table = Unit.__table__  # type: ignore[assignment]
P: Table = Procedure.__table__  # type: ignore[assignment]
DAILY: Table = Bieu06Daily.__table__  # type: ignore[assignment]
MONTHLY: Table = Bieu06Monthly.__table__  # type: ignore[assignment]
TOTAL: Table = Bieu06Total.__table__  # type: ignore[assignment]
TABLES: tuple[Table, ...] = (DAILY, MONTHLY, TOTAL)

#: (competent unit, stripe, procedure, local day, measure) → count.
Delta = Counter[tuple[int, int, int, dt.date, str]]
#: Per table name: primary key → measures.
Rows = dict[str, dict[tuple[Any, ...], dict[str, int]]]


def measures(table: Table) -> tuple[str, ...]:
    return STOCKS if table is TOTAL else FLOWS


def row_delta(values: dict[str, Any], sign: int = 1) -> Delta:
    out: Delta = Counter()
    if values["received_at"] is None:
        return out
    unit, proc = int(values["competent_unit_id"]), int(values["procedure_id"])
    stripe = stripe_of(int(values["receiving_unit_id"]))
    for (day, m), n in contribution(values).items():
        out[(unit, stripe, proc, day, m)] += sign * n
    return out


def stripe_of(receiving_unit_id: int) -> int:
    """The stripe of a dossier's rows at both grains: its receiving counter's. Intakes at one
    counter already queue on its daily code sequence, so they add no wait of their own here,
    while counters sending dossiers to one competent unit update different rows. A stripe only
    spreads the writes: readers add the stripes up, and a group-committed batch of intakes
    writes all its rows in its first intake's stripe (``_intake_params``)."""
    return receiving_unit_id % STRIPES


def root_of(path: str) -> int:
    return int(path.split("/")[1])


def fold(delta: Delta, units: dict[int, tuple[int, str]], fields: dict[int, str]) -> Rows:
    """Finest flows → rows of the three tables at both grains (units: id → (root, group))."""
    out: Rows = {t.name: {} for t in TABLES}
    for (unit, stripe, proc, day, m), n in delta.items():
        if not n:
            continue
        root, group = units[unit]
        f = fields[proc]
        stock = "overdue" if m == "overdue" else "open"
        sign = -1 if m.startswith("end_") else 1
        for grain, uid, g in ((0, unit, ""), (1, root, group)):
            for table, key in (
                (DAILY, (grain, uid, day, stripe, g, f)),
                (MONTHLY, (grain, uid, day.replace(day=1), stripe, g, f)),
            ):
                row = out[table.name].setdefault(key, dict.fromkeys(FLOWS, 0))
                row[m] += n
            tot = out[TOTAL.name].setdefault((grain, uid, stripe, g, f), dict.fromkeys(STOCKS, 0))
            tot[stock] += sign * n
    return out


def lookups(conn: Any, delta: Delta) -> tuple[dict[int, tuple[int, str]], dict[int, str]]:
    unit_ids = sorted({k[0] for k in delta})
    proc_ids = sorted({k[2] for k in delta})
    units = {
        int(r.id): (root_of(r.path), level_groups.level_group(r.level))
        for r in conn.execute(select(U.c.id, U.c.path, U.c.level).where(U.c.id.in_(unit_ids)))
    }
    fields = {
        int(r.id): str(r.field)
        for r in conn.execute(select(P.c.id, P.c.field).where(P.c.id.in_(proc_ids)))
    }
    return units, fields


def _upsert(dialect: str, table: Table, rows: list[dict[str, Any]]) -> Any:
    insert = upsert(dialect)
    stmt = insert(table).values(rows)
    return stmt.on_conflict_do_update(
        index_elements=list(table.primary_key.columns),
        set_={m: table.c[m] + stmt.excluded[m] for m in measures(table)},
    )


def apply(conn: Any, delta: Delta) -> None:
    """Add a delta to the rollups (sorted keys: a fixed lock order)."""
    if not any(delta.values()):
        return
    rows = fold(delta, *lookups(conn, delta))
    for table in TABLES:
        pk = [c.name for c in table.primary_key.columns]
        batch = [
            {**dict(zip(pk, k, strict=True)), **v}
            for k, v in sorted(rows[table.name].items())
            if any(v.values())
        ]
        if batch:
            conn.execute(_upsert(conn.dialect.name, table, batch))


# -- ORM hooks -------------------------------------------------------------------------------------
def before_flush(session: Session, _flush_context: Any, _instances: Any) -> None:
    delta: Delta = Counter()
    for obj in session.new:
        if isinstance(obj, Dossier):
            delta += row_delta(flush_diff.current(obj, FIELDS))
    for obj in session.dirty:
        if isinstance(obj, Dossier) and obj not in session.deleted:
            old = flush_diff.previous(session, obj, FIELDS)
            if old is not None:
                delta.update(row_delta(old, -1))
                delta.update(row_delta(flush_diff.current(obj, FIELDS)))
    for obj in session.deleted:
        if isinstance(obj, Dossier):
            state = inspect(obj)
            delta.update(
                row_delta({n: state.committed_state.get(n, getattr(obj, n)) for n in FIELDS}, -1)
            )
    apply(session.connection(), delta)


def after_flush(session: Session, _flush_context: Any) -> None:
    for obj in session.dirty:
        if isinstance(obj, Unit):
            state = inspect(obj)
            # A move changes parent_id (and the paths below, by a Core UPDATE); a new unit only
            # gets its path after its first flush and has no dossiers yet.
            if any(state.attrs[a].history.has_changes() for a in ("parent_id", "level")):
                regroup(session.connection())
                return


# -- SQL helpers (both dialects) -------------------------------------------------------------------
def root_sql(path: Any, dialect: str) -> Any:
    if dialect == "postgresql":
        return cast(func.split_part(path, "/", 2), Integer)
    return cast(func.substr(path, 2, func.instr(func.substr(path, 2), "/") - 1), Integer)


def group_sql(level: Any) -> Any:
    # CASE level WHEN …: plain binds (no expanding IN list), so the fused intake statement can be
    # compiled once and sent to asyncpg as is.
    whens = {lvl: key for key, _l, levels in level_groups.LEVEL_GROUPS for lvl in sorted(levels)}
    return case(whens, value=level, else_=literal(level_groups.OTHER_GROUP[0]))


def regroup(conn: Any) -> None:
    """Grain 1 recomputed from grain 0 with the units' current roots and levels."""
    dialect = conn.dialect.name
    for table in TABLES:
        conn.execute(delete(table).where(table.c.grain == 1))
        keys = [c.name for c in table.primary_key.columns]
        rest = [k for k in keys if k not in ("grain", "unit_id", "stripe", "level_group")]
        ms = measures(table)
        sel = (
            select(
                literal(1, SmallInteger),
                root_sql(U.c.path, dialect),
                *(table.c[k] for k in rest),
                table.c.stripe,
                group_sql(U.c.level),
                *(func.sum(table.c[m]) for m in ms),
            )
            .select_from(table.join(U, U.c.id == table.c.unit_id))
            .where(table.c.grain == 0)
            .group_by(*(text(str(i)) for i in range(1, len(keys) + 1)))
        )
        cols = ["grain", "unit_id", *rest, "stripe", "level_group", *ms]
        conn.execute(table.insert().from_select(cols, sel))


# -- intake ----------------------------------------------------------------------------------------
def _intake_ctes() -> list[str]:
    """PostgreSQL: one ``INSERT … SELECT FROM jsonb_to_recordset … GROUP BY … ON CONFLICT`` per
    table. The rows are folded here (``fold``), from the units and procedures the intakes already
    looked up; the statement sums a batch's rows by key and writes them in key order (a fixed
    lock order)."""
    ctes = []
    for table in TABLES:
        pk = ", ".join(c.name for c in table.primary_key.columns)
        ms = measures(table)
        added = ", ".join(f"{m} = t.{m} + excluded.{m}" for m in ms)
        source = intake_statement.recordset("x_" + table.name, table, [*pk.split(", "), *ms])
        ctes.append(
            f"b06_{table.name.rsplit('_', 1)[1]} AS (INSERT INTO {table.name} AS t"  # noqa: S608 - model names
            f" ({pk}, {', '.join(ms)}) SELECT {pk}, {', '.join(f'sum({m})' for m in ms)}"
            f" FROM {source} GROUP BY {pk} ORDER BY {pk}"
            f" ON CONFLICT ({pk}) DO UPDATE SET {added})"
        )
    return ctes


def _intake_values(dossier: dict[str, Any]) -> dict[str, Any]:
    return {n: dossier.get(n) for n in FIELDS}


def _intake_params(drafts: Sequence[Draft]) -> dict[str, Any]:
    """The batch's rows per table as one JSON array: each draft's rows come as ready JSON. A
    batch writes in one stripe, its first intake's counter's: its rows for one unit, day and
    field then sum into one row, and the two batches a moment may see (one per process) come
    from two counters, so they seldom meet on a row (``stripe_of``)."""
    stripe = stripe_of(int(drafts[0].dossier["receiving_unit_id"]))
    parts = [_draft_rows(draft, stripe) for draft in drafts]
    return {
        "x_" + table.name: "[" + ",".join(p[i] for p in parts if p[i]) + "]"
        for i, table in enumerate(TABLES)
    }


def _draft_rows(draft: Draft, stripe: int) -> tuple[str, ...]:
    unit, proc = draft.competent, draft.procedure
    flows = contribution(_intake_values(draft.dossier))
    return _intake_rows(
        (unit.id, root_of(unit.path), level_groups.level_group(unit.level)),
        (proc.id, proc.field),
        stripe,
        tuple(sorted(flows.items())),
    )


@lru_cache(maxsize=4096)
def _intake_rows(
    unit: tuple[int, int, str],
    proc: tuple[int, str],
    stripe: int,
    flows: tuple[tuple[Any, int], ...],
) -> tuple[str, ...]:
    """An intake's rows, per table the JSON objects (without the brackets): the same few shapes
    recur all day (a unit, a field, today), so they are folded and serialised once."""
    delta: Delta = Counter({(unit[0], stripe, proc[0], day, m): n for (day, m), n in flows})
    rows = fold(delta, {unit[0]: unit[1:]}, {proc[0]: proc[1]})
    out = []
    for table in TABLES:
        pk = [c.name for c in table.primary_key.columns]
        objects = [{**dict(zip(pk, k, strict=True)), **v} for k, v in rows[table.name].items()]
        out.append(intake_statement.dumps(objects)[1:-1])
    return tuple(out)


async def _generic(session: AsyncSession, draft: Draft) -> None:
    delta = row_delta(_intake_values(draft.dossier))
    if delta:
        await session.run_sync(lambda s: apply(s.connection(), delta))


INTAKE = intake_statement.IntakeExtension(
    name="bieu06", ctes=_intake_ctes, params=_intake_params, generic=_generic
)
