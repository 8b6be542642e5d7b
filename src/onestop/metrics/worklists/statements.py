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

from sqlalchemy import ColumnElement, Integer, and_, any_, bindparam, false, func, or_, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession

from onestop.core.db import UTCDateTime
from onestop.core.driver import session_fetch
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


def _conditions(s: Shape) -> list[Any]:
    d = D.c
    out: list[Any] = [*open_clause()]
    if s.units:
        held = (d.competent_unit_id, d.current_unit_id, d.receiving_unit_id)
        out.append(or_(*(_ids(c, "unit_ids", s.pg) for c in held)))
    if s.procedure:
        out.append(d.procedure_id == bindparam("procedure_id"))
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


def statement(s: Shape) -> Any:
    stmt = _statements.get(s)
    if stmt is None:
        if s.count:
            stmt = select(func.count()).select_from(D).where(*_conditions(s))
        else:
            page = select(*PAGE_COLUMNS).where(*_conditions(s))
            if s.cursor:
                at, ident = _instant("after_at"), bindparam("after_id", type_=Integer())
                page = page.where(or_(D.c.due_at > at, and_(D.c.due_at == at, D.c.id > ident)))
            page = page.order_by(D.c.due_at, D.c.id).limit(bindparam("limit"))
            stmt = with_details(page, lateral=s.pg)
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
    pg = session.get_bind().dialect.name == "postgresql"
    return Shape(
        pg,
        kind,
        r.unit_ids is not None,
        r.procedure_id is not None,
        r.step_unit_id is not None,
        r.officer_id is not None,
        groups if kind == "due_soon" else 0,
        cursor,
        count,
    )


async def _fetch(session: AsyncSession, s: Shape, params: dict[str, Any]) -> Sequence[Rowlike]:
    """The rows of the shape's statement, read by column name (asyncpg records as they come)."""
    stmt = statement(s)
    if s.pg:
        rows: Sequence[Rowlike] = await session_fetch(session, stmt, params)
        return rows
    return [r._mapping for r in (await session.execute(stmt, params)).all()]


async def page(
    session: AsyncSession,
    kind: Kind,
    r: Resolved,
    as_of: dt.datetime,
    *,
    limit: int,
    cursor: str | None,
) -> tuple[Sequence[Rowlike], str | None]:
    """One page in urgency order, ``(due_at, id)``, with the row details joined, and the cursor
    of the next page (None on the last one)."""
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
    nxt = encode_position(last["due_at"], last["id"]) if more and last and last["due_at"] else None
    return rows, nxt


async def count(session: AsyncSession, kind: Kind, r: Resolved, as_of: dt.datetime) -> int:
    """How many dossiers the whole list holds (every page): a count over the same partial
    indexes the pages read, without fetching a row."""
    groups = await horizons(session, as_of) if kind == "due_soon" else []
    s = shape(session, kind, r, len(groups), cursor=False, count=True)
    (row,) = await _fetch(session, s, values(r, kind, as_of, groups))
    return int(next(iter(row.values())))
