"""Hot statements straight on asyncpg: a Core statement compiled once, run without SQLAlchemy's
per-execution work."""

from __future__ import annotations

import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import asyncpg  # type: ignore[import-untyped]
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
)


@dataclass(frozen=True)
class _DriverStatement:
    """A Core statement compiled for asyncpg: its SQL, the bind names in ``$n`` order and each
    bind's type processor (UTC timestamps, JSON as text)."""

    sql: str
    names: tuple[str, ...]
    processors: tuple[Callable[[Any], Any] | None, ...]
    literals: dict[str, Any]  # values the statement itself binds (e.g. a counter's first value)

    def args(self, params: dict[str, Any]) -> list[Any]:
        values = {**self.literals, **params}
        return [
            values[n] if p is None else p(values[n])
            for n, p in zip(self.names, self.processors, strict=True)
        ]


_driver_statements: weakref.WeakKeyDictionary[Any, _DriverStatement] = weakref.WeakKeyDictionary()


def _for_driver(stmt: Any, dialect: Dialect) -> _DriverStatement:
    hit = _driver_statements.get(stmt)
    if hit is None:
        compiled = stmt.compile(dialect=dialect)
        names = tuple(compiled.positiontup or ())
        processors = tuple(
            compiled.binds[n].type.dialect_impl(dialect).bind_processor(dialect) for n in names
        )
        literals = {n: b.value for n, b in compiled.binds.items() if not b.required}
        hit = _driver_statements[stmt] = _DriverStatement(
            compiled.string, names, processors, literals
        )
    return hit


async def driver_fetch(
    conn: AsyncConnection, stmt: Any, params: dict[str, Any], *, one: bool = False
) -> Any:
    """PostgreSQL: run a Core statement built once (and kept) straight on the connection's asyncpg
    connection, compiled once per statement object with SQLAlchemy's bind processors. For hot
    paths, where SQLAlchemy's per-execution work (parameter processing, result set-up) costs more
    than the round trip. Rows come back as asyncpg records (values as the driver returns them);
    ``one``: the first row. No transaction is opened: outside one, the statement is its own."""
    compiled = _for_driver(stmt, conn.dialect)
    driver: Any = (await conn.get_raw_connection()).driver_connection
    args = compiled.args(params)
    try:
        if one:
            return await driver.fetchrow(compiled.sql, *args)
        return await driver.fetch(compiled.sql, *args)
    except asyncpg.IntegrityConstraintViolationError as exc:
        raise IntegrityError(compiled.sql, None, exc) from exc


async def session_fetch(
    session: AsyncSession, stmt: Any, params: dict[str, Any], *, one: bool = False
) -> Any:
    """``driver_fetch`` for a session: on its connection once it has a transaction, else on a
    pooled connection outside it, so that a hot path whose only statement this is sets up and
    tears down no session transaction (its statement is then a transaction of its own)."""
    bind = session.bind
    if session.in_transaction() or not isinstance(bind, AsyncEngine):
        return await driver_fetch(await session.connection(), stmt, params, one=one)
    async with bind.connect() as conn:
        return await driver_fetch(conn, stmt, params, one=one)
