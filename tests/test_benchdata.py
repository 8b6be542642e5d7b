"""``onestop bench-data`` at a tiny size: counts, ~3 % open, due instants from the engine, and
rollups equal to a recomputation from the dossier rows, on SQLite and PostgreSQL (a database of its
own there, the test database's name + ``_bench``)."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool
from tests.conftest import pg_side_url

from onestop.catalog.models import DEFAULT_HOURS, ProcedureVersion
from onestop.dossiers.models import Dossier, DossierEvent, DossierPause
from onestop.metrics import rollups
from onestop.wiring import make_sessionmaker
from onestop.worktime import TimeLimit, WorkingHours, load_calendar

N = 2000
NOW = dt.datetime(2026, 3, 10, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=7)))


@pytest.fixture(params=["sqlite", "postgres"])
def bench_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'bench.db'}"
    url = pg_side_url("bench")
    asyncio.run(_drop_database(url))
    return url


async def _drop_database(url: str) -> None:
    """A fresh database each run (the generator creates and migrates it)."""
    import asyncpg  # type: ignore[import-untyped]

    base, _, name = url.replace("postgresql+asyncpg://", "postgresql://").rpartition("/")
    conn = await asyncpg.connect(f"{base}/postgres")
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


async def test_generates_consistent_data(bench_url: str) -> None:
    from onestop.bench.cli import generate_into

    timings = await generate_into(
        bench_url, n=N, seed=3, now=NOW, units=60, procedures=40, reset=True, log=lambda _m: None
    )
    assert timings["total"] > 0
    engine = create_async_engine(bench_url, poolclass=NullPool)
    try:
        async with make_sessionmaker(engine)() as s:
            assert await s.scalar(select(func.count()).select_from(Dossier)) == N
            n_open = await s.scalar(
                select(func.count()).select_from(Dossier).where(text("ended_at IS NULL"))
            )
            assert n_open is not None and 0.015 * N <= n_open <= 0.06 * N
            # Every dossier has its events, numbered 1..event_count.
            bad = await s.scalar(
                text(
                    "SELECT count(*) FROM dossier d WHERE event_count <> (SELECT count(*)"
                    " FROM dossier_event e WHERE e.dossier_id = d.id) OR event_count < 1"
                )
            )
            assert bad == 0
            assert await s.scalar(select(func.max(DossierEvent.seq))) is not None
            # Finished dossiers end with a return / finish event at finished_at.
            assert (
                await s.scalar(
                    text(
                        "SELECT count(*) FROM dossier d WHERE finished_at IS NOT NULL"
                        " AND NOT EXISTS"
                        " (SELECT 1 FROM dossier_event e WHERE e.dossier_id = d.id"
                        " AND e.to_status IN (9, 10) AND e.at = d.finished_at)"
                    )
                )
                == 0
            )
            # due_at is the engine's, pauses included.
            cal = load_calendar(province=None, hours=WorkingHours.parse(DEFAULT_HOURS))
            rows = (
                await s.execute(
                    select(Dossier, ProcedureVersion)
                    .join(ProcedureVersion, ProcedureVersion.id == Dossier.procedure_version_id)
                    .where(Dossier.received_at.is_not(None))
                    .order_by(Dossier.id)
                    .limit(300)
                )
            ).all()
            pauses = {
                p.dossier_id: p for p in (await s.execute(select(DossierPause))).scalars().all()
            }
            assert pauses, "no supplement cases generated"
            for d, v in rows:
                limit = TimeLimit(float(v.limit_amount), v.limit_unit)
                assert d.received_at is not None
                assert d.due_at_original == cal.due_at(d.received_at, limit)
            for p in list(pauses.values())[:50]:
                pd = await s.get(Dossier, p.dossier_id)
                assert pd is not None and pd.received_at is not None
                pv = await s.get(ProcedureVersion, pd.procedure_version_id)
                assert pv is not None
                if p.ended_at is None:
                    continue
                want = cal.due_at(
                    pd.received_at,
                    TimeLimit(float(pv.limit_amount), pv.limit_unit),
                    pauses=[(p.started_at, p.ended_at)],
                )
                assert pd.due_at == want
            # Rollups equal a recomputation from scratch.
            assert await rollups.differences(s) == {}
            assert await s.scalar(text("SELECT count(*) FROM report_ontime_unit_monthly")) > 0
            assert await s.scalar(text("SELECT count(*) FROM dossier_apology")) > 0
            assert await s.scalar(text("SELECT count(*) FROM report_rating")) > 0
            # The secondary indexes are back.
            catalog = (
                "SELECT name FROM sqlite_master WHERE tbl_name = 'dossier'"
                if bench_url.startswith("sqlite")
                else "SELECT indexname FROM pg_indexes WHERE tablename = 'dossier'"
            )
            names = {r[0] for r in await s.execute(text(catalog))}
            assert {"ix_dossier_open_competent_due", "ix_dossier_finished"} <= names
    finally:
        await engine.dispose()
