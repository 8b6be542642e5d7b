"""SQLite loader: the same NumPy columns into a temporary stage table (``executemany`` in one
transaction), then the same ``INSERT … SELECT`` statements as PostgreSQL (SQLite spelling), with
the secondary indexes dropped during the load and re-created from ``sqlite_master``; rollups by
``metrics.rollups.rebuild``; ANALYZE."""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Callable
from typing import Any

import numpy as np
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine
from sqlalchemy.pool import NullPool

from onestop.bench import sql
from onestop.bench.catalog_gen import Catalog
from onestop.bench.dossier_gen import Cols
from onestop.bench.pgload import CATALOG_TABLES, DATA_TABLES, INDEXED
from onestop.metrics import rollups

Log = Callable[[str], None]


def _column(a: np.ndarray) -> list[Any]:
    if np.issubdtype(a.dtype, np.datetime64):
        text = np.datetime_as_string(a.astype("datetime64[us]"), unit="us")
        return [None if t == "NaT" else t.replace("T", " ") for t in text.tolist()]
    if a.dtype == np.bool_:
        return a.astype(np.int8).tolist()  # type: ignore[no-any-return]
    return a.tolist()  # type: ignore[no-any-return]


def _load_sync(path: str, cat: Catalog, cols: Cols, reset: bool, log: Log) -> dict[str, float]:
    timings: dict[str, float] = {}
    con = sqlite3.connect(path, isolation_level=None)
    try:
        con.execute("PRAGMA journal_mode=WAL")
        con.execute("PRAGMA synchronous=OFF")
        con.execute("PRAGMA foreign_keys=OFF")
        con.execute("PRAGMA cache_size=-1000000")
        if con.execute("SELECT 1 FROM dossier LIMIT 1").fetchone() and not reset:
            raise SystemExit("the dossier table is not empty: pass --reset to replace the data")
        t = time.perf_counter()
        con.execute("BEGIN")
        for table in [*DATA_TABLES, *CATALOG_TABLES, "unit"]:
            con.execute(f"DELETE FROM {table}")  # noqa: S608
        indexes = con.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"  # noqa: S608
            f" AND tbl_name IN ({','.join(repr(t) for t in INDEXED)})"
        ).fetchall()
        for name, _sql in indexes:
            con.execute(f'DROP INDEX "{name}"')

        def ins(table: str, columns: list[str], rows: list[tuple[Any, ...]]) -> None:
            marks = ",".join("?" * len(columns))
            fixed = [tuple(json.dumps(v) if isinstance(v, list) else v for v in r) for r in rows]
            con.executemany(f"INSERT INTO {table} ({','.join(columns)}) VALUES ({marks})", fixed)  # noqa: S608

        ins(
            "unit",
            [
                "id",
                "code",
                "name",
                "level",
                "parent_id",
                "path",
                "province",
                "hours",
                "has_counter",
                "address",
                "due_soon_days",
                "on_time_target",
                "is_active",
                "created_at",
            ],
            [(*u[:-1], u[-1].isoformat(" ")[:26]) for u in cat.units],
        )
        ins(
            "procedure",
            ["id", "code", "name", "field", "field_code", "level", "is_active", "created_at"],
            [(*p[:-1], "2020-01-01 00:00:00") for p in cat.procedures],
        )
        ins(
            "procedure_version",
            [
                "id",
                "procedure_id",
                "effective_from",
                "limit_amount",
                "limit_unit",
                "same_day_cutoff",
                "supplement_policy",
                "max_reappointments",
                "legal_basis",
                "documents",
                "fees",
                "created_at",
            ],
            [
                (
                    v[0],
                    v[1],
                    v[2].isoformat(),
                    v[3],
                    v[4],
                    v[5].isoformat() if v[5] else None,
                    *v[6:11],
                    "2020-01-01 00:00:00",
                )
                for v in cat.versions
            ],
        )
        ins(
            "procedure_step",
            ["id", "version_id", "seq", "name", "role", "unit_id", "budget_hours"],
            cat.steps,
        )
        ins("procedure_unit", ["procedure_id", "unit_id"], cat.procedure_units)
        timings["catalog"] = time.perf_counter() - t

        t = time.perf_counter()
        names = list(cols)
        con.execute("DROP TABLE IF EXISTS temp.bench_stage")
        con.execute(f"CREATE TEMP TABLE bench_stage ({', '.join(names)})")
        n = len(cols["id"])
        step = 200_000
        for lo in range(0, n, step):
            parts = [_column(cols[k][lo : lo + step]) for k in names]
            con.executemany(
                f"INSERT INTO bench_stage VALUES ({','.join('?' * len(names))})",  # noqa: S608
                zip(*parts, strict=True),
            )
        timings["stage"] = time.perf_counter() - t
        t = time.perf_counter()
        for label, stmt in [
            ("dossier", sql.dossier_insert(False)),
            ("events", sql.event_insert(False)),
            ("steps", sql.step_insert(False)),
            ("pauses", sql.PAUSE_INSERT),
            ("apologies", sql.apology_insert(False)),
            ("ratings", sql.rating_insert(False)),
        ]:
            t1 = time.perf_counter()
            cur = con.execute(stmt)
            log(f"  {label}: {cur.rowcount:,} rows in {time.perf_counter() - t1:.1f} s")
        con.execute("DROP TABLE temp.bench_stage")
        con.execute("COMMIT")
        timings["insert"] = time.perf_counter() - t
        t = time.perf_counter()
        for _name, ddl in indexes:
            con.execute(ddl)
        timings["indexes"] = time.perf_counter() - t
    finally:
        con.close()
    return timings


async def load(url: str, cat: Catalog, cols: Cols, *, reset: bool, log: Log) -> dict[str, float]:
    import asyncio

    path = make_url(url).database or ""
    timings = await asyncio.to_thread(_load_sync, path, cat, cols, reset, log)
    t = time.perf_counter()
    engine = create_async_engine(url, poolclass=NullPool)
    try:
        async with AsyncSession(engine) as session:
            rows = await rollups.rebuild(session)
            await session.commit()
        async with engine.begin() as conn:
            await conn.exec_driver_sql("ANALYZE")
    finally:
        await engine.dispose()
    timings["rollups"] = time.perf_counter() - t
    log(f"  rollups: {rows:,} finest-grain rows in {timings['rollups']:.1f} s")
    return timings
