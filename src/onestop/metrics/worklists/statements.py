"""The worklist statements, built once per shape with bound parameters, and how they run.

A page or a count depends on the request only through its values (units, filters, instants,
cursor, limit) and its shape (which filters are set, how many horizon groups). Each shape's
statement is built once; a request binds its values. On PostgreSQL the statement goes straight to
the connection's asyncpg connection (``core.driver.session_fetch``): no ``BEGIN``/``ROLLBACK``
round trips and none of SQLAlchemy's per-execution work, which cost more than the page's own query
(bench/RESULTS.md); unit sets are one array parameter (``= ANY``). Elsewhere (SQLite) the session
runs it, unit sets as an expanding ``IN``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    and_,
    any_,
    bindparam,
    false,
    func,
    literal_column,
    or_,
    select,
    union_all,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession

from onestop.core.db import UTCDateTime
from onestop.core.driver import session_fetch
from onestop.dossiers.reading import late_to_accept_clause
from onestop.metrics.worklists.query import (
    PAGE_COLUMNS,
    D,
    Horizon,
    Kind,
    Resolved,
    decode_position,
    encode_position,
    horizons,
    open_clause,
    takes_acceptance,
    with_details,
)

#: A row read by column name: an asyncpg record, or a SQLAlchemy row's mapping.
Rowlike = Mapping[Any, Any]


@dataclass(frozen=True)
class Shape:
    pg: bool
    kind: Kind
    units: bool
    procedure: bool
    step_unit: bool
    officer: bool
    groups: int  # due soon: horizon groups
    acceptance: bool  # overdue: with the dossiers late for acceptance
    cursor: bool
    count: bool


def _ids(column: Any, name: str, pg: bool) -> ColumnElement[bool]:
    condition: ColumnElement[bool]
    if pg:
        condition = column == any_(bindparam(name, type_=ARRAY(Integer)))
    else:
        condition = column.in_(bindparam(name, expanding=True))
    return condition


def _instant(name: str) -> Any:
    return bindparam(name, type_=UTCDateTime())


def _scope(s: Shape) -> list[Any]:
    d = D.c
    out: list[Any] = []
    if s.units:
        held = (d.competent_unit_id, d.current_unit_id, d.receiving_unit_id)
        out.append(or_(*(_ids(c, "unit_ids", s.pg) for c in held)))
    if s.procedure:
        out.append(d.procedure_id == bindparam("procedure_id"))
    return out


def _acceptance_conditions(s: Shape) -> list[Any]:
    """Submitted, not accepted or answered within the 8 working hours, in scope."""
    return [late_to_accept_clause(D.c, _instant("as_of")), *_scope(s)]


def _conditions(s: Shape) -> list[Any]:
    d = D.c
    out: list[Any] = [*open_clause(), *_scope(s)]
    if s.step_unit:
        out.append(d.current_unit_id == bindparam("step_unit_id"))
    if s.officer:
        out.append(d.handler_id == bindparam("officer_id"))
    if s.kind == "overdue":
        out.append(d.due_at < _instant("as_of"))
        return out
    out.append(d.due_at >= _instant("as_of"))
    if s.groups == 0:
        return [*out, false()]  # no unit: nothing is due soon
    out.append(d.due_at <= _instant("latest"))  # one range for the index; the groups refine it
    if s.groups > 1:
        due = d.due_at
        ids = [_ids(d.competent_unit_id, f"g{i}_ids", s.pg) for i in range(s.groups)]
        out.append(or_(*(and_(ids[i], due <= _instant(f"g{i}_until")) for i in range(s.groups))))
    return out


_statements: dict[Shape, Any] = {}


def ordered(conditions: list[Any], deadline: str, *, cursor: bool) -> Any:
    """One deadline's rows in the order of its own instant (and so of an index), cut to the page
    length after the cursor: ``deadline_at`` is that instant, ``deadline`` its name."""
    at_column = D.c.accept_due_at if deadline == "acceptance" else D.c.due_at
    page = select(
        *PAGE_COLUMNS,
        at_column.label("deadline_at"),
        literal_column(f"'{deadline}'").label("deadline"),
    ).where(*conditions)
    if cursor:
        at, ident = _instant("after_at"), bindparam("after_id", type_=Integer())
        page = page.where(or_(at_column > at, and_(at_column == at, D.c.id > ident)))
    return page.order_by(at_column, D.c.id).limit(bindparam("limit"))


def _page(s: Shape) -> Any:
    """The page's rows: the resolution deadlines, merged with the acceptance ones when the list
    holds them (each cut to the page length first, so each reads only its index's head)."""
    page = ordered(_conditions(s), "resolution", cursor=s.cursor)
    if not s.acceptance:
        return page
    parts = [page, ordered(_acceptance_conditions(s), "acceptance", cursor=s.cursor)]
    merged = union_all(*(select(*part.subquery().c) for part in parts)).subquery("merged")
    return select(*merged.c).order_by(merged.c.deadline_at, merged.c.id).limit(bindparam("limit"))


def _count(s: Shape) -> Any:
    resolution = select(func.count()).select_from(D).where(*_conditions(s))
    if not s.acceptance:
        return resolution
    acceptance = select(func.count()).select_from(D).where(*_acceptance_conditions(s))
    return select(resolution.scalar_subquery() + acceptance.scalar_subquery())


def statement(s: Shape) -> Any:
    stmt = _statements.get(s)
    if stmt is None:
        stmt = _count(s) if s.count else with_details(_page(s), lateral=s.pg)
        stmt = _statements[s] = stmt
    return stmt


def values(r: Resolved, kind: Kind, as_of: dt.datetime, groups: list[Horizon]) -> dict[str, Any]:
    out: dict[str, Any] = {"as_of": as_of}
    if r.unit_ids is not None:
        out["unit_ids"] = sorted(r.unit_ids)
    for name in ("procedure_id", "step_unit_id", "officer_id"):
        if getattr(r, name) is not None:
            out[name] = getattr(r, name)
    if kind == "due_soon" and groups:
        out["latest"] = max(g.until for g in groups)
        if len(groups) > 1:
            for i, g in enumerate(groups):
                out[f"g{i}_ids"], out[f"g{i}_until"] = sorted(g.unit_ids), g.until
    return out


def shape(
    session: AsyncSession, kind: Kind, r: Resolved, groups: int, *, cursor: bool, count: bool
) -> Shape:
    return Shape(
        on_postgres(session),
        kind,
        r.unit_ids is not None,
        r.procedure_id is not None,
        r.step_unit_id is not None,
        r.officer_id is not None,
        groups if kind == "due_soon" else 0,
        takes_acceptance(kind, r),
        cursor,
        count,
    )


def on_postgres(session: AsyncSession) -> bool:
    return session.get_bind().dialect.name == "postgresql"


async def run(
    session: AsyncSession, stmt: Any, params: dict[str, Any], *, pg: bool
) -> Sequence[Rowlike]:
    """The rows of a statement built once, read by column name (asyncpg records as they come on
    PostgreSQL, the session's rows elsewhere)."""
    if pg:
        rows: Sequence[Rowlike] = await session_fetch(session, stmt, params)
        return rows
    return [r._mapping for r in (await session.execute(stmt, params)).all()]


async def _fetch(session: AsyncSession, s: Shape, params: dict[str, Any]) -> Sequence[Rowlike]:
    """The rows of the shape's statement."""
    return await run(session, statement(s), params, pg=s.pg)


async def page(
    session: AsyncSession,
    kind: Kind,
    r: Resolved,
    as_of: dt.datetime,
    *,
    limit: int,
    cursor: str | None,
) -> tuple[Sequence[Rowlike], str | None]:
    """One page in urgency order, ``(deadline_at, id)``, with the row details joined, and the
    cursor of the next page (None on the last one)."""
    groups = await horizons(session, as_of) if kind == "due_soon" else []
    pos = decode_position(cursor)
    s = shape(session, kind, r, len(groups), cursor=pos is not None, count=False)
    params = values(r, kind, as_of, groups) | {"limit": limit + 1}
    if pos is not None:
        params |= {"after_at": pos[0], "after_id": pos[1]}
    rows = await _fetch(session, s, params)
    more = len(rows) > limit
    rows = rows[:limit]
    last = rows[-1] if rows else None
    nxt = encode_position(last["deadline_at"], last["id"]) if more and last else None
    return rows, nxt


async def count(session: AsyncSession, kind: Kind, r: Resolved, as_of: dt.datetime) -> int:
    """How many dossiers the whole list holds (every page): a count over the same partial
    indexes the pages read, without fetching a row."""
    groups = await horizons(session, as_of) if kind == "due_soon" else []
    s = shape(session, kind, r, len(groups), cursor=False, count=True)
    (row,) = await _fetch(session, s, values(r, kind, as_of, groups))
    return int(next(iter(row.values())))
