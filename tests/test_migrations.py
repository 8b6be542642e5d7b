"""Alembic migrations run up and down on PostgreSQL and SQLite and match the models exactly."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool
from tests.conftest import _recreate_pg_database, pg_side_url

from onestop.core import migrate
from onestop.core.db import include_in_comparison
from onestop.models import Base


def _diff(conn: Connection) -> list[object]:
    opts = {"compare_type": True, "include_object": include_in_comparison(conn.dialect.name)}
    ctx = MigrationContext.configure(conn, opts=opts)
    return list(compare_metadata(ctx, Base.metadata))


def _tables(conn: Connection) -> set[str]:
    return set(inspect(conn).get_table_names())


async def _inspect(url: str) -> tuple[list[object], set[str]]:
    engine = create_async_engine(url, poolclass=NullPool)
    async with engine.connect() as conn:
        diff = await conn.run_sync(_diff)
        tables = await conn.run_sync(_tables)
    await engine.dispose()
    return diff, tables


@pytest.fixture(params=["sqlite", "postgres"])
def empty_db(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'migrations.db'}"
    url = pg_side_url("migrations")
    asyncio.run(_recreate_pg_database(url))
    return url


def test_upgrade_matches_models_then_downgrade_to_empty(empty_db: str) -> None:
    migrate.upgrade(empty_db)
    diff, tables = asyncio.run(_inspect(empty_db))
    assert diff == [], f"models and migrations differ: {diff}"
    assert set(Base.metadata.tables) <= tables

    migrate.downgrade(empty_db, "base")
    _, tables = asyncio.run(_inspect(empty_db))
    assert tables <= {"alembic_version"}

    migrate.upgrade(empty_db)  # and up again from scratch
    diff, _ = asyncio.run(_inspect(empty_db))
    assert diff == []
