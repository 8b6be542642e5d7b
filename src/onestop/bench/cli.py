"""``onestop bench-data``: synthetic data at scale for the report benchmarks."""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from onestop.catalog.models import DEFAULT_HOURS
from onestop.worktime import WorkingHours, load_calendar


def register(sub: Any) -> None:
    p = sub.add_parser("bench-data", help="generate synthetic dossiers for benchmarks (COPY)")
    p.add_argument("--dossiers", type=int, required=True, help="number of dossiers")
    p.add_argument("--database-url", help="default: ONESTOP_DATABASE_URL")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--units", type=int, default=2000)
    p.add_argument("--procedures", type=int, default=500)
    p.add_argument("--years", type=int, default=3)
    p.add_argument("--now", help="reference instant (ISO 8601 with offset); default: now")
    p.add_argument("--reset", action="store_true", help="replace existing data")
    p.set_defaults(func=run_command)


def run_command(args: argparse.Namespace) -> int:
    from onestop.core import clock
    from onestop.core.settings import get_settings

    url = args.database_url or get_settings().database_url
    now = dt.datetime.fromisoformat(args.now) if args.now else clock.now()
    if now.tzinfo is None:
        print("error: --now needs an offset", file=sys.stderr)
        return 2
    timings = asyncio.run(
        generate_into(
            url,
            n=args.dossiers,
            seed=args.seed,
            now=now,
            units=args.units,
            procedures=args.procedures,
            years=args.years,
            reset=args.reset,
        )
    )
    print(" ".join(f"{k}={v:.1f}s" for k, v in timings.items()))
    return 0


def _log(msg: str) -> None:
    print(msg, flush=True)


async def prepare_schema(url: str) -> None:
    """Migrate (Alembic head when the project has revisions, else create_all)."""
    from onestop.core import migrate

    versions = Path(migrate.alembic_config(url).get_main_option("script_location") or "")
    if any((versions / "versions").glob("*.py")):
        await asyncio.to_thread(migrate.upgrade, url)
        return
    from sqlalchemy.ext.asyncio import create_async_engine
    from sqlalchemy.pool import NullPool

    from onestop.models import Base

    engine = create_async_engine(url, poolclass=NullPool)
    async with engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
    await engine.dispose()


async def _ensure_pg_database(url: str) -> None:
    import asyncpg  # type: ignore[import-untyped]
    from sqlalchemy.engine import make_url

    u = make_url(url)
    name = u.database
    admin = asyncpg_url(u.set(database="postgres").render_as_string(hide_password=False))
    conn = await asyncpg.connect(admin)
    try:
        if not await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name):
            await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()


def asyncpg_url(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://").replace(
        "postgresql+psycopg://", "postgresql://"
    )


async def generate_into(
    url: str,
    *,
    n: int,
    seed: int,
    now: dt.datetime,
    units: int = 2000,
    procedures: int = 500,
    years: int = 3,
    reset: bool = False,
    log: Any = _log,
) -> dict[str, float]:
    from onestop.bench.catalog_gen import build_catalog
    from onestop.bench.dossier_gen import generate

    t0 = time.perf_counter()
    pg = url.startswith("postgresql")
    if pg:
        await _ensure_pg_database(url)
    await prepare_schema(url)
    rng = np.random.default_rng(seed)
    end = now.astimezone(dt.timezone(dt.timedelta(hours=7))).date() - dt.timedelta(days=1)
    start = end.replace(year=end.year - years) + dt.timedelta(days=1)
    cal = load_calendar(province=None, hours=WorkingHours.parse(DEFAULT_HOURS))
    cat = build_catalog(rng, n_units=units, n_procedures=procedures, start=start, end=end)
    cols = generate(rng, cat, cal, n=n, start=start, end=end, now=now)
    timings = {"generate": time.perf_counter() - t0}
    log(f"generated {n:,} dossiers in numpy: {timings['generate']:.1f} s")
    if pg:
        from onestop.bench import pgload

        timings |= await pgload.load(asyncpg_url(url), cat, cols, reset=reset, log=log, sa_url=url)
    else:
        from onestop.bench import sqliteload

        timings |= await sqliteload.load(url, cat, cols, reset=reset, log=log)
    timings["total"] = time.perf_counter() - t0
    return timings
