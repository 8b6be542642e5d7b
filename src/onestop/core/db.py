"""Async engine and sessions, the declarative base, and column types shared by every package."""

from __future__ import annotations

import datetime as dt
import time
import weakref
from collections.abc import AsyncIterator, Callable, Collection, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

import orjson
from sqlalchemy import (
    ARRAY,
    BigInteger,
    ColumnElement,
    DateTime,
    Integer,
    MetaData,
    Text,
    any_,
    bindparam,
    event,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Dialect, Engine
from sqlalchemy.exc import DBAPIError, DisconnectionError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase, InstrumentedAttribute, Session
from sqlalchemy.pool import AsyncAdaptedQueuePool
from sqlalchemy.types import TypeDecorator

from onestop.core import crypto, unavailable
from onestop.core.settings import Settings

T = TypeVar("T")

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


#: A 64-bit key on PostgreSQL; INTEGER on SQLite, where only that type is the rowid alias.
BigId = BigInteger().with_variant(Integer(), "sqlite")


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


class EncryptedText(TypeDecorator[str]):
    """Personal data encrypted at rest (``core.crypto``): encrypted when bound, decrypted when
    read, for ORM and Core statements alike. ``purpose`` (the column's name) is bound into the
    ciphertext, so a value copied into another column does not decrypt."""

    impl = Text
    cache_ok = True

    def __init__(self, purpose: str) -> None:
        super().__init__()
        self.purpose = purpose

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        return None if value is None else crypto.keyring().encrypt(value, self.purpose)

    def process_result_value(self, value: Any, dialect: Dialect) -> str | None:
        return None if value is None else crypto.keyring().decrypt(str(value), self.purpose)


def include_in_comparison(dialect: str) -> Callable[..., bool]:
    """Alembic's ``include_object`` for ``dialect``: leaves out the indexes the models create on
    another dialect only (``Index.ddl_if``), which autogenerate would otherwise report missing."""

    def include(obj: Any, _name: Any, _type: Any, _reflected: Any, _compare_to: Any) -> bool:
        only = getattr(obj, "_ddl_if", None)
        return only is None or only.dialect in (None, dialect)

    return include


def among(
    session: AsyncSession,
    column: ColumnElement[Any] | InstrumentedAttribute[Any],
    ids: Collection[int],
) -> ColumnElement[bool]:
    """``column IN ids`` for a set of row ids. On PostgreSQL ``column = ANY(:ids)``, the ids one
    array parameter: the statement's text is the same whatever their number, so it is compiled
    once and prepared once per connection, where an IN list of 500 parameters is rendered again
    on every execution and prepared again for every length."""
    if session.get_bind().dialect.name == "postgresql":
        return column == any_(bindparam(None, list(ids), type_=ARRAY(BigInteger)))
    return column.in_(ids)


def upsert(dialect: str) -> Any:
    """The ``insert`` construct with ``on_conflict_do_update`` / ``_do_nothing`` of a dialect (the
    two the service runs on share that API)."""
    return pg_insert if dialect == "postgresql" else sqlite_insert


def make_engine(settings: Settings) -> AsyncEngine:
    """The engine for ``settings``; it also sets the keys its encrypted columns use."""
    crypto.configure(settings)
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
            hide_parameters=True,  # bound values are personal data: never in an error's text
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
        json_deserializer=orjson.loads,
        echo=settings.db_echo,
        hide_parameters=True,
    )
    event.listen(engine.sync_engine, "checkin", _mark_idle)
    event.listen(engine.sync_engine, "checkout", _ping_if_idle)
    event.listen(engine.sync_engine, "handle_error", unavailable.invalidate_broken)
    return engine


#: A pooled PostgreSQL connection is pinged before use only when it has been idle this long.
#: ``pool_pre_ping`` would ping before every use: one more round trip per request, which on a
#: busy server costs as much as the request's own query. A connection in steady use is alive;
#: one broken while in use (a server restart) fails that request, and SQLAlchemy then discards
#: the whole pool.
PING_AFTER_IDLE_SECONDS = 5.0
RECYCLE_SECONDS = 1800


def _json_text(value: Any) -> str:
    """JSON columns as text, through orjson (several times faster than the standard library;
    they are read back with ``orjson.loads`` too)."""
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
class SessionHooks:
    """What every session of an application runs when it flushes, and the extensions domain code
    reads from a session (``extensions_of``): derived rows (the report rollups) stay exact because
    the sessionmaker carries them, never because some module happened to be imported.
    ``onestop.wiring.session_hooks`` builds the application's one set."""

    before_flush: tuple[Callable[[Session, Any, Any], None], ...] = ()
    after_flush: tuple[Callable[[Session, Any], None], ...] = ()
    #: Named extension points (e.g. ``"intake"``: rows written with every intake statement).
    extensions: Mapping[str, tuple[Any, ...]] = field(default_factory=dict)


_HOOKS = "onestop.hooks"


class _Session(Session):
    """Closing a session whose connection the database dropped (a restart) does not fail: the
    rollback that closing sends has nothing left to undo — the server rolled back with the
    connection — and the connection is discarded rather than pooled. Otherwise the error would
    surface after the work was done: after a committed intake, or after the response was sent
    (FastAPI closes a dependency's session then), where it could only cut the connection."""

    def close(self) -> None:
        try:
            super().close()
        except DBAPIError as exc:
            if not unavailable.database_unavailable(exc):
                raise
            self.invalidate()


def make_sessionmaker(engine: AsyncEngine, hooks: SessionHooks) -> async_sessionmaker[AsyncSession]:
    """Sessions on ``engine`` that run ``hooks``: they are attached to a session class of this
    sessionmaker alone, so two applications in one process (tests, tools) never share them."""
    session_class = type("HookedSession", (_Session,), {})
    for before in hooks.before_flush:
        event.listen(session_class, "before_flush", before)
    for after in hooks.after_flush:
        event.listen(session_class, "after_flush", after)
    return async_sessionmaker(
        engine,
        expire_on_commit=False,
        autoflush=False,
        sync_session_class=session_class,
        info={_HOOKS: hooks},
    )


def hooks_of(session: AsyncSession | Session) -> SessionHooks:
    """The hooks of the sessionmaker that made ``session``; a session made any other way would
    write dossiers without their rollups, so it is refused."""
    hooks = session.info.get(_HOOKS)
    if not isinstance(hooks, SessionHooks):
        raise RuntimeError("session not made by onestop.core.db.make_sessionmaker")
    return hooks


def extensions_of(session: AsyncSession | Session, point: str) -> tuple[Any, ...]:
    return hooks_of(session).extensions.get(point, ())


async def session_scope(maker: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    async with maker() as session:
        yield session


async def begin_for_savepoints(session: AsyncSession) -> None:
    """Open the session's transaction now, so that savepoints nest inside it. SQLite's driver
    opens a transaction lazily, at the first write: a SAVEPOINT taken before any write would be
    the outermost transaction itself, and releasing it would commit what it holds."""
    conn = await session.connection()
    if conn.dialect.name != "sqlite":
        return  # PostgreSQL: the session's BEGIN came with its first statement
    raw = await conn.get_raw_connection()
    if not raw.driver_connection.in_transaction:  # type: ignore[union-attr]
        await conn.exec_driver_sql("BEGIN IMMEDIATE")
