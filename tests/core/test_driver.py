"""``onestop.core.driver``: Core statements run straight on asyncpg (PostgreSQL only, the hot paths
of the intake group commit, the on-time sums and the worklists).

These tests always run on PostgreSQL (``ONESTOP_TEST_PG_URL``), whatever ONESTOP_TEST_BACKENDS
says, in a database of their own (the test database's name + ``_driver``) holding one throwaway
table made with Core, not the app schema. ``-m "not postgres"`` leaves them out."""

from __future__ import annotations

import asyncio
import datetime as dt
import gc
from collections.abc import AsyncIterator, Iterator
from typing import Any, cast

import asyncpg  # type: ignore[import-untyped]
import pytest
from sqlalchemy import (
    JSON,
    Column,
    Integer,
    MetaData,
    String,
    Table,
    and_,
    any_,
    bindparam,
    func,
    insert,
    literal,
    select,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.pool import QueuePool
from sqlalchemy.sql.elements import ClauseElement
from tests.conftest import _recreate_pg_database, pg_side_url

from onestop.core import driver
from onestop.core.db import UTCDateTime, make_engine
from onestop.core.driver import driver_fetch, session_fetch
from onestop.core.settings import Settings

pytestmark = pytest.mark.postgres

LOCAL = dt.timezone(dt.timedelta(hours=7))
metadata = MetaData()
T = Table(
    "driver_probe",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(40), nullable=False, unique=True),
    Column("kind", String(20), nullable=False, server_default="plain"),
    Column("n", Integer, nullable=False, server_default="0"),
    Column("at", UTCDateTime()),
    Column("doc", JSON),
)

#: Statements built once, as the hot paths keep theirs.
INSERT = insert(T).values(
    name=bindparam("name"), at=bindparam("at"), doc=bindparam("doc"), n=bindparam("n")
)
INSERT_RETURNING = INSERT.returning(T.c.id, T.c.name, T.c.at, T.c.doc, T.c.n, T.c.kind)
BY_NAME = select(T.c.id, T.c.name, T.c.at, T.c.doc, T.c.n).where(T.c.name == bindparam("name"))
COUNT = select(func.count()).select_from(T)


def _checked_out(engine: AsyncEngine) -> int:
    """Connections checked out of the engine's pool (a queue pool on PostgreSQL)."""
    return cast(QueuePool, engine.pool).checkedout()


@pytest.fixture(scope="module")
def driver_url() -> Iterator[str]:
    url = pg_side_url("driver")
    asyncio.run(_recreate_pg_database(url))
    yield url


@pytest.fixture
async def engine(driver_url: str) -> AsyncIterator[AsyncEngine]:
    """The app's PostgreSQL engine (its pool, its JSON serializer) with a fresh probe table."""
    eng = make_engine(
        Settings(
            database_url=driver_url,
            environment="test",
            secret_key="test-secret-key-for-onestop-tests-0123456789",
            db_pool_size=2,
        )
    )
    async with eng.begin() as conn:
        await conn.run_sync(metadata.drop_all)
        await conn.run_sync(metadata.create_all)
    yield eng
    await eng.dispose()


@pytest.fixture
def maker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


async def _count_elsewhere(engine: AsyncEngine) -> int:
    """Rows of the probe table as another connection sees them (committed rows only)."""
    async with engine.connect() as conn:
        return int((await conn.execute(COUNT)).scalar_one())


async def _open_transactions(engine: AsyncEngine) -> int:
    """Server sessions of this database idle inside a transaction."""
    async with engine.connect() as conn:
        found = await conn.execute(
            text(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                " AND state LIKE 'idle in transaction%' AND pid <> pg_backend_pid()"
            )
        )
        return int(found.scalar_one())


# -- compile cache -----------------------------------------------------------------------------
async def test_a_statement_is_compiled_once_and_run_many_times(
    engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    stmt = insert(T).values(name=bindparam("name"), n=bindparam("n")).returning(T.c.id, T.c.n)
    compiled_here: list[Any] = []
    original = ClauseElement.compile

    def spy(self: Any, *args: Any, **kw: Any) -> Any:
        if self is stmt:
            compiled_here.append(kw.get("dialect"))
        return original(self, *args, **kw)

    monkeypatch.setattr(ClauseElement, "compile", spy)
    async with engine.connect() as conn:
        first = await driver_fetch(conn, stmt, {"name": "a", "n": 1})
        entry = driver._driver_statements[stmt]
        second = await driver_fetch(conn, stmt, {"name": "b", "n": 2})
        assert driver._driver_statements[stmt] is entry  # the same compiled statement
        assert driver._for_driver(stmt, conn.dialect) is entry
        assert [r["n"] for r in first] == [1] and [r["n"] for r in second] == [2]
        assert first[0]["id"] != second[0]["id"]
    assert len(compiled_here) == 1 and compiled_here[0].name == "postgresql"
    assert entry.sql.startswith("INSERT INTO driver_probe")
    assert "$1" in entry.sql and "$2" in entry.sql  # asyncpg's numbered parameters
    assert entry.names == ("name", "n")
    # An equal statement built anew is another object: compiled again, to the same SQL.
    twin = insert(T).values(name=bindparam("name"), n=bindparam("n")).returning(T.c.id, T.c.n)
    async with engine.connect() as conn:
        assert driver._for_driver(twin, conn.dialect) is not entry
        assert driver._for_driver(twin, conn.dialect).sql == entry.sql
    assert len(compiled_here) == 1


async def test_the_cache_does_not_keep_statements_alive(engine: AsyncEngine) -> None:
    async with engine.connect() as conn:
        stmt = select(T.c.id).where(T.c.name == bindparam("name"))
        await driver_fetch(conn, stmt, {"name": "nobody"})
        assert stmt in driver._driver_statements
        before = len(driver._driver_statements)
        del stmt
        gc.collect()
        assert len(driver._driver_statements) == before - 1


# -- bind processors and literals --------------------------------------------------------------
async def test_bind_processors_are_applied(engine: AsyncEngine) -> None:
    at = dt.datetime(2026, 3, 10, 9, 0, 0, 123456, tzinfo=LOCAL)
    doc = {"tên": "Nguyễn Văn An", "giấy tờ": [{"code": "TP1", "quantity": 1}], "none": None}
    async with engine.connect() as conn:
        row = await driver_fetch(
            conn, INSERT_RETURNING, {"name": "an", "at": at, "doc": doc, "n": 3}, one=True
        )
        # UTCDateTime: the same instant, aware, in UTC (timestamptz as asyncpg returns it)
        assert row["at"] == at and row["at"].utcoffset() == dt.timedelta(0)
        assert (
            row["doc"] == doc
        )  # JSON serialised on the way in, decoded by the codec on the way out
        # What SQLAlchemy's own path stored and reads agrees with the driver's.
        back = (await conn.execute(BY_NAME, {"name": "an"})).one()
        assert (back.at, back.doc, back.n) == (at, doc, 3)
        # The processor really runs: a naive datetime is refused before anything is sent.
        with pytest.raises(ValueError, match="naive datetime"):
            await driver_fetch(
                conn, INSERT, {"name": "naive", "at": dt.datetime(2026, 3, 10), "doc": {}, "n": 0}
            )
        again = await driver_fetch(conn, BY_NAME, {"name": "an"}, one=True)
        assert (again["at"], again["doc"]) == (at, doc)
    assert await _count_elsewhere(engine) == 1  # the insert was a transaction of its own


async def test_typed_parameters_of_a_text_statement_and_arrays(engine: AsyncEngine) -> None:
    at = dt.datetime(2026, 1, 1, 0, 30, tzinfo=LOCAL)  # 31/12/2025 17:30 UTC: the UTC day moves
    stmt = text("SELECT :at AS at, CAST(:n AS integer) + 1 AS n").bindparams(
        bindparam("at", type_=UTCDateTime()), bindparam("n", type_=Integer())
    )
    async with engine.connect() as conn:
        row = await driver_fetch(conn, stmt, {"at": at, "n": 41}, one=True)
        assert row["at"] == at and row["at"].date() == dt.date(2025, 12, 31)
        assert row["n"] == 42
        for name in ("a", "b", "c"):
            await driver_fetch(conn, INSERT, {"name": name, "at": None, "doc": None, "n": 0})
        ids = {r["name"]: r["id"] for r in await driver_fetch(conn, select(T.c.id, T.c.name), {})}
        in_set = select(T.c.name).where(T.c.id == any_(bindparam("ids", type_=ARRAY(Integer))))
        in_set = in_set.order_by(T.c.name)
        rows = await driver_fetch(conn, in_set, {"ids": [ids["a"], ids["c"], 10**6]})
        assert [r["name"] for r in rows] == ["a", "c"]
        assert await driver_fetch(conn, in_set, {"ids": []}) == []
        # One name bound twice: one value for both places.
        twice = select(T.c.name).where(
            and_(T.c.id >= bindparam("x", type_=Integer()), T.c.id <= bindparam("x"))
        )
        assert [r["name"] for r in await driver_fetch(conn, twice, {"x": ids["b"]})] == ["b"]


async def test_literals_bound_by_the_statement_itself(engine: AsyncEngine) -> None:
    fixed_at = dt.datetime(2026, 3, 2, 8, 0, tzinfo=LOCAL)
    stmt = (
        insert(T)
        .values(name=bindparam("name"), kind="counter", n=literal(7), at=fixed_at)
        .returning(T.c.kind, T.c.n, T.c.at)
    )
    big = select(T.c.name).where(T.c.n > 5, T.c.kind == "counter").order_by(T.c.name).limit(10)
    async with engine.connect() as conn:
        row = await driver_fetch(conn, stmt, {"name": "x"}, one=True)
        assert (row["kind"], row["n"], row["at"]) == ("counter", 7, fixed_at)
        compiled = driver._for_driver(stmt, conn.dialect)
        assert set(compiled.literals.values()) >= {"counter", 7, fixed_at}
        assert "name" not in compiled.literals  # a required parameter, bound per run
        await driver_fetch(conn, stmt, {"name": "y"})
        await driver_fetch(conn, INSERT, {"name": "z", "at": None, "doc": None, "n": 9})
        assert [r["name"] for r in await driver_fetch(conn, big, {})] == ["x", "y"]
        with pytest.raises(KeyError):
            await driver_fetch(conn, stmt, {})  # a required parameter left out


async def test_one_returns_the_first_row_or_none(engine: AsyncEngine) -> None:
    ordered = select(T.c.name).order_by(T.c.name.desc())
    async with engine.connect() as conn:
        assert await driver_fetch(conn, ordered, {}, one=True) is None
        assert await driver_fetch(conn, ordered, {}) == []
        for name in ("a", "b"):
            await driver_fetch(conn, INSERT, {"name": name, "at": None, "doc": None, "n": 0})
        first = await driver_fetch(conn, ordered, {}, one=True)
        assert isinstance(first, asyncpg.Record) and first["name"] == "b"
        every = await driver_fetch(conn, ordered, {})
        assert [r["name"] for r in every] == ["b", "a"]
        assert await driver_fetch(conn, BY_NAME, {"name": "zz"}, one=True) is None


# -- errors ------------------------------------------------------------------------------------
async def test_integrity_errors_are_sqlalchemy_integrity_errors(engine: AsyncEngine) -> None:
    values = {"name": "dup", "at": None, "doc": None, "n": 0}
    async with engine.connect() as conn:
        await driver_fetch(conn, INSERT, values)
        with pytest.raises(IntegrityError) as unique:
            await driver_fetch(conn, INSERT, values)
        assert isinstance(unique.value.orig, asyncpg.UniqueViolationError)
        assert unique.value.statement == driver._for_driver(INSERT, conn.dialect).sql
        with pytest.raises(IntegrityError) as not_null:
            await driver_fetch(conn, INSERT, {**values, "name": None})
        assert isinstance(not_null.value.orig, asyncpg.NotNullViolationError)
        # Outside a transaction the failed statement took nothing else down with it.
        await driver_fetch(conn, INSERT, {**values, "name": "after"})
    assert await _count_elsewhere(engine) == 2


async def test_other_database_errors_are_not_disguised(engine: AsyncEngine) -> None:
    async with engine.connect() as conn:
        with pytest.raises(asyncpg.PostgresError) as caught:
            await driver_fetch(conn, text("SELECT 1 / 0"), {})
        assert not isinstance(caught.value, asyncpg.IntegrityConstraintViolationError)


# -- session_fetch -----------------------------------------------------------------------------
async def test_inside_a_transaction_it_runs_on_the_session_connection(
    engine: AsyncEngine, maker: async_sessionmaker[AsyncSession]
) -> None:
    async with maker() as s:
        await s.execute(INSERT, {"name": "orm", "at": None, "doc": None, "n": 1})  # autobegins
        assert s.in_transaction()
        seen = await session_fetch(s, BY_NAME, {"name": "orm"}, one=True)
        assert seen is not None and seen["n"] == 1  # the transaction's own, uncommitted row
        written = await session_fetch(
            s, INSERT_RETURNING, {"name": "raw", "at": None, "doc": [1], "n": 2}, one=True
        )
        assert written["doc"] == [1]
        assert (await s.execute(COUNT)).scalar_one() == 2  # and the session sees that row
        assert await _count_elsewhere(engine) == 0  # nothing committed yet
        await s.rollback()
    assert await _count_elsewhere(engine) == 0  # both rolled back together
    async with maker() as s, s.begin():
        await session_fetch(s, INSERT, {"name": "kept", "at": None, "doc": None, "n": 0})
        assert s.in_transaction()
    assert await _count_elsewhere(engine) == 1  # committed with the session's transaction


async def test_outside_a_transaction_it_leaves_none_open(
    engine: AsyncEngine, maker: async_sessionmaker[AsyncSession]
) -> None:
    at = dt.datetime(2026, 3, 10, 14, 0, tzinfo=LOCAL)
    async with maker() as s:
        assert not s.in_transaction()
        row = await session_fetch(
            s, INSERT_RETURNING, {"name": "solo", "at": at, "doc": {"a": 1}, "n": 5}, one=True
        )
        assert (row["name"], row["at"], row["doc"]) == ("solo", at, {"a": 1})
        assert not s.in_transaction()  # the session began nothing
        assert _checked_out(engine) == 0  # the pooled connection went back at once
        assert await _open_transactions(engine) == 0
        assert await _count_elsewhere(engine) == 1  # its own transaction, committed
        rows = await session_fetch(s, BY_NAME, {"name": "solo"})
        assert [r["n"] for r in rows] == [5]
        assert not s.in_transaction()
        await s.rollback()  # nothing of the session's to undo
    assert await _count_elsewhere(engine) == 1
    assert _checked_out(engine) == 0


async def test_a_session_bound_to_a_connection_uses_that_connection(
    engine: AsyncEngine,
) -> None:
    async with engine.connect() as conn:
        await conn.begin()
        await conn.execute(INSERT, {"name": "outer", "at": None, "doc": None, "n": 1})
        async with AsyncSession(bind=conn) as s:
            assert not s.in_transaction()
            seen = await session_fetch(s, BY_NAME, {"name": "outer"}, one=True)
            assert seen is not None  # the connection's uncommitted row
        assert await _count_elsewhere(engine) == 0
        await conn.rollback()
    assert await _count_elsewhere(engine) == 0
