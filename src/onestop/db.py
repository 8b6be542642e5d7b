"""Async engine and sessions, the declarative base, and column types shared by every package."""

from __future__ import annotations

import datetime as dt
import time
import weakref
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import asyncpg  # type: ignore[import-untyped]
import orjson
from sqlalchemy import DateTime, MetaData, event
from sqlalchemy.engine import Dialect, Engine
from sqlalchemy.exc import DisconnectionError, IntegrityError
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.pool import AsyncAdaptedQueuePool
from sqlalchemy.types import TypeDecorator

from onestop.settings import Settings

T = TypeVar("T")

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator[dt.datetime]):
    """An instant: ``timestamptz`` on PostgreSQL, UTC text on SQLite; always aware when read."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given where an instant is required")
        value = value.astimezone(dt.UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        assert isinstance(value, dt.datetime)
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


def include_in_comparison(dialect: str) -> Callable[..., bool]:
    """Alembic's ``include_object`` for ``dialect``: leaves out the indexes the models create on
    another dialect only (``Index.ddl_if``), which autogenerate would otherwise report missing."""

    def include(obj: Any, _name: Any, _type: Any, _reflected: Any, _compare_to: Any) -> bool:
        only = getattr(obj, "_ddl_if", None)
        return only is None or only.dialect in (None, dialect)

    return include


def make_engine(settings: Settings) -> AsyncEngine:
    if settings.is_sqlite:
        # One connection per process: SQLite has one writer, and a pool of writers only adds
        # busy-handler sleeps to the tail latency.
        engine = create_async_engine(
            settings.database_url,
            poolclass=AsyncAdaptedQueuePool,
            pool_size=1,
            max_overflow=0,
            pool_timeout=30,
            echo=settings.db_echo,
        )
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    engine = create_async_engine(
        settings.database_url,
        # A fixed pool: connections open on demand and stay. Overflow connections would be
        # opened for a burst and closed on return, and under steady load that churn (a new
        # server process, re-prepared statements) costs more than waiting for a pooled one.
        pool_size=settings.db_pool_size,
        max_overflow=0,
        pool_timeout=30,
        pool_recycle=RECYCLE_SECONDS,
        json_serializer=_json_text,
        echo=settings.db_echo,
    )
    event.listen(engine.sync_engine, "checkin", _mark_idle)
    event.listen(engine.sync_engine, "checkout", _ping_if_idle)
    return engine


#: A pooled PostgreSQL connection is pinged before use only when it has been idle this long.
#: ``pool_pre_ping`` would ping before every use: one more round trip per request, which on a
#: busy server costs as much as the request's own query. A connection in steady use is alive;
#: one broken while in use (a server restart) fails that request, and SQLAlchemy then discards
#: the whole pool.
PING_AFTER_IDLE_SECONDS = 5.0
RECYCLE_SECONDS = 1800


def _json_text(value: Any) -> str:
    """JSON columns as text, through orjson (several times faster than the standard library)."""
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()


def _mark_idle(_dbapi_conn: Any, record: Any) -> None:
    record.info["idle_since"] = time.monotonic()


def _ping_if_idle(dbapi_conn: Any, record: Any, _proxy: Any) -> None:
    idle_since = record.info.get("idle_since")
    if idle_since is None or time.monotonic() - idle_since < PING_AFTER_IDLE_SECONDS:
        return
    try:
        dbapi_conn.ping()
    except Exception as exc:  # any failure means the connection is unusable: take another
        raise DisconnectionError("idle connection failed its ping") from exc


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.close()


class PerEngine(Generic[T]):
    """One value per database engine, made on first use (the in-process caches of catalogue
    snapshots and principals): tests and tools run several databases in one process."""

    def __init__(self, factory: Callable[[], T]) -> None:
        self._factory = factory
        self._values: weakref.WeakKeyDictionary[Engine, T] = weakref.WeakKeyDictionary()

    def get(self, session: AsyncSession) -> T:
        engine = session.get_bind().engine
        value = self._values.get(engine)
        if value is None:
            value = self._values[engine] = self._factory()
        return value

    def clear(self, session: AsyncSession | None = None) -> None:
        """Forget the value of one engine, or of all."""
        if session is None:
            self._values.clear()
        else:
            self._values.pop(session.get_bind().engine, None)


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


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)


async def session_scope(maker: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    async with maker() as session:
        yield session
