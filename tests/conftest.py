"""Test lanes: every database test runs on SQLite and on PostgreSQL.

PostgreSQL comes from ONESTOP_TEST_PG_URL (``make test`` starts a throwaway cluster when nothing
listens on 127.0.0.1:5432). A missing PostgreSQL is an error, never a silent skip.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from onestop.app import create_app
from onestop.core import clock
from onestop.core.settings import Settings
from onestop.models import Base

PG_URL = os.environ.get(
    "ONESTOP_TEST_PG_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/onestop_test"
)
BACKENDS = os.environ.get("ONESTOP_TEST_BACKENDS", "sqlite,postgres").split(",")


async def _recreate_pg_database(url: str) -> None:
    import asyncpg

    base, _, dbname = url.replace("postgresql+asyncpg://", "postgresql://").rpartition("/")
    conn = await asyncpg.connect(f"{base}/postgres")
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')
        await conn.execute(f'CREATE DATABASE "{dbname}"')
    finally:
        await conn.close()


async def _create_schema(url: str) -> None:
    engine = create_async_engine(url, poolclass=NullPool)
    async with engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
    await engine.dispose()


@pytest.fixture(scope="session", params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A migrated-equivalent empty schema on the backend (create_all here; migrations are tested
    separately in tests/test_migrations.py)."""
    if request.param == "sqlite":
        path: Path = tmp_path_factory.mktemp("db") / "onestop.db"
        url = f"sqlite+aiosqlite:///{path}"
    else:
        url = PG_URL
        asyncio.run(_recreate_pg_database(url))
    asyncio.run(_create_schema(url))
    return url


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(
        database_url=database_url,
        environment="test",
        secret_key="test-secret-key-for-onestop-tests-0123456789",
        log_json=True,
        db_pool_size=5,
        run_worker_in_app=False,  # issue 6: tests run the worklist job explicitly
    )


@pytest.fixture
def frozen_now() -> Iterator[dt.datetime]:
    """Freeze the injected clock at Tue 10/03/2026 09:00 +07:00 (a working morning)."""
    at = dt.datetime(2026, 3, 10, 2, 0, tzinfo=dt.UTC)
    clock.set_now(at)
    yield at
    clock.set_now(None)


@pytest.fixture
async def app(settings: Settings, frozen_now: dt.datetime) -> AsyncIterator[object]:
    application = create_app(settings)
    yield application
    await _truncate(application.state.engine)
    await application.state.engine.dispose()


async def _truncate(engine: object) -> None:
    from sqlalchemy.ext.asyncio import AsyncEngine

    assert isinstance(engine, AsyncEngine)
    tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
    async with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            names = ", ".join(f'"{t}"' for t in tables)
            await conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for t in tables:
                await conn.execute(text(f'DELETE FROM "{t}"'))


@pytest.fixture
async def client(app: object) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url="http://onestop.test") as c:
        yield c
