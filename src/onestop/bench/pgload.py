"""PostgreSQL loader: binary COPY of the NumPy columns into an unlogged stage table, then
``INSERT … SELECT`` into the application's tables with their secondary indexes and unique
constraints dropped (re-created afterwards from their own definitions, so the final schema is the
migrated one), foreign-key triggers off (``session_replication_role = replica``: the data is
consistent by construction), rollups counted in NumPy exactly as ``metrics.ontime.rollup`` and
``metrics.bieu06.flows`` define them and the ratings' sums by ``metrics.satisfaction.rollup``'s
own statement (the tests compare them with ``metrics.rollups.differences``), then VACUUM ANALYZE."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import re
import time
from collections.abc import Callable
from typing import Any

import asyncpg  # type: ignore[import-untyped]
from sqlalchemy.dialects import postgresql

from onestop.bench import b06rows, pgcopy, pgrows, pgstage, sql
from onestop.bench.catalog_gen import Catalog
from onestop.bench.dossier_gen import Cols
from onestop.metrics.satisfaction import rollup as satisfaction_rollup

#: Tables this loader fills or empties (children first for TRUNCATE).
DATA_TABLES = [
    "outbox_message", "outbox_cursor", "outbox_delivered", "dossier_document", "apology_draft",
    "report_rating", "dossier_apology", "dossier_pause", "dossier_step", "dossier_event",
    "worklist_alert", "idempotency_key", "dossier_code_counter",
    "report_ontime_daily", "report_ontime_unit_daily", "report_ontime_unit_monthly",
    "report_b06_daily", "report_b06_monthly", "report_b06_total", "report_period",
    "report_rating_monthly",
    "report_evaluation_entry", "dossier",
]  # fmt: skip
CATALOG_TABLES = ["procedure_step", "procedure_unit", "procedure_version", "procedure"]
INDEXED = ["dossier", "dossier_event", "dossier_step", "dossier_pause", "dossier_apology",
           "report_rating", "report_ontime_daily", "report_ontime_unit_daily",
           "report_ontime_unit_monthly"]  # fmt: skip
#: Columns only the COPY path needs (events, steps, ratings): left out of the stage table.
STAGE_EXCLUDE = frozenset(
    {"e_submit", "e_receive", "e_refuse", "e_assign", "e_finish", "e_return", "e_end", "jump",
     "rating", "rating_at", "budget"}
)  # fmt: skip

Log = Callable[[str], None]


async def _exec(conn: asyncpg.Connection, stmt: str, log: Log, label: str) -> None:
    t = time.perf_counter()
    status = await conn.execute(stmt)
    log(f"  {label}: {status} in {time.perf_counter() - t:.1f} s")


async def _session_setup(conn: asyncpg.Connection) -> None:
    await conn.execute(
        "SET session_replication_role = replica; SET synchronous_commit = off;"
        " SET work_mem = '512MB'; SET maintenance_work_mem = '1GB';"
        " SET max_parallel_maintenance_workers = 2"
    )


async def secondary_indexes(conn: asyncpg.Connection) -> list[tuple[str, str, str]]:
    """(table, drop statement, create statement) of every non-primary index of the loaded
    tables, unique constraints included."""
    rows = await conn.fetch(
        """
        SELECT t.relname AS tbl, ci.relname AS idx, pg_get_indexdef(i.indexrelid) AS def,
               c.conname, pg_get_constraintdef(c.oid) AS condef
        FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid
        JOIN pg_class ci ON ci.oid = i.indexrelid
        LEFT JOIN pg_constraint c ON c.conindid = i.indexrelid AND c.contype = 'u'
        WHERE t.relname = ANY($1::text[]) AND NOT i.indisprimary
        ORDER BY t.relname, ci.relname
        """,
        INDEXED,
    )
    out = []
    for r in rows:
        if r["conname"]:
            drop = f'ALTER TABLE {r["tbl"]} DROP CONSTRAINT "{r["conname"]}"'
            create = f'ALTER TABLE {r["tbl"]} ADD CONSTRAINT "{r["conname"]}" {r["condef"]}'
        else:
            drop, create = f'DROP INDEX "{r["idx"]}"', r["def"]
        out.append((r["tbl"], drop, create))
    return out


def missing_model_indexes(present: set[tuple[str, str]]) -> list[tuple[str, str, str]]:
    """Indexes / unique constraints the models declare but the database lacks (e.g. after an
    interrupted load): created with the others after the load. Drop statements are no-ops."""
    from sqlalchemy.dialects import postgresql
    from sqlalchemy.schema import CreateIndex, UniqueConstraint

    from onestop.models import Base

    dialect = postgresql.dialect()  # type: ignore[no-untyped-call]
    found = (re.search(r'(?:INDEX|CONSTRAINT) "?(\w+)"?', c) for _t, c in present)
    present_names = {m.group(1) for m in found if m}
    out = []
    for name in INDEXED:
        table = Base.metadata.tables[name]
        for ix in table.indexes:
            if ix.name not in present_names:
                ddl = str(CreateIndex(ix).compile(dialect=dialect))
                out.append((name, "SELECT 1", ddl))
        for uc in table.constraints:
            if isinstance(uc, UniqueConstraint) and uc.name not in present_names:
                cols = ", ".join(c.name for c in uc.columns)
                ddl = f'ALTER TABLE {name} ADD CONSTRAINT "{uc.name}" UNIQUE ({cols})'
                out.append((name, "SELECT 1", ddl))
    return out


async def _pool_run(dsn: str, stmts: list[tuple[str, str]], log: Log, workers: int = 2) -> None:
    queue: asyncio.Queue[tuple[str, str]] = asyncio.Queue()
    for s in stmts:
        queue.put_nowait(s)

    async def worker() -> None:
        conn = await asyncpg.connect(dsn)
        try:
            await _session_setup(conn)
            while not queue.empty():
                label, stmt = queue.get_nowait()
                await _exec(conn, stmt, log, label)
        finally:
            await conn.close()

    await asyncio.gather(*(worker() for _ in range(workers)))


async def _insert_from_stage(dsn: str, stage: Cols, log: Log) -> None:
    """Rows with per-row text (the dossier itself), and the small tables, from the stage."""
    conn = await asyncpg.connect(dsn)
    try:
        await _session_setup(conn)
        t = time.perf_counter()
        await conn.execute(pgstage.stage_ddl(stage))
        await pgstage.copy_bytes(conn, "bench_stage", pgstage.binary_chunks(stage))
        log(f"  stage: {len(stage['id']):,} rows in {time.perf_counter() - t:.1f} s")
        await _exec(conn, sql.dossier_insert(True), log, "dossier")
        await _exec(conn, sql.PAUSE_INSERT, log, "pauses")
        await _exec(conn, sql.apology_insert(True), log, "apologies")
    finally:
        await conn.close()


async def _copy_rows(dsn: str, cat: Catalog, cols: Cols, log: Log) -> None:
    """Events, steps, ratings and rollups by binary COPY (multi-row inserts, little WAL)."""
    conn = await asyncpg.connect(dsn)
    try:
        await _session_setup(conn)
        # FREEZE needs a TRUNCATE in the same transaction: not for report_rating, which other
        # tables reference (follow-up tasks).
        for label, table, columns, batches, freeze in (
            ("events", "dossier_event", pgrows.EVENT_COLUMNS, pgrows.events(cols), True),
            ("steps", "dossier_step", pgrows.STEP_COLUMNS, pgrows.steps(cols), True),
            ("ratings", "report_rating", pgrows.RATING_COLUMNS, pgrows.ratings(cols), False),
        ):
            t = time.perf_counter()
            await pgcopy.copy(conn, table, columns, batches, freeze=freeze)
            log(f"  {label}: COPY in {time.perf_counter() - t:.1f} s")
        t = time.perf_counter()
        for table, (columns, arrays) in pgrows.rollups(cols).items():
            await pgcopy.copy(conn, table, columns, [pgcopy.encode(arrays)], freeze=True)
        log(f"  rollups: COPY in {time.perf_counter() - t:.1f} s")
        t = time.perf_counter()
        await conn.execute(_compiled(satisfaction_rollup.rebuild_statement("postgresql")))
        log(f"  ratings rollup: INSERT … SELECT in {time.perf_counter() - t:.1f} s")
        t = time.perf_counter()
        for table, (columns, b06) in b06rows.tables(cols, cat).items():
            await pgcopy.copy(conn, table, columns, b06, freeze=True)
        log(f"  Biểu 06 rollups: COPY in {time.perf_counter() - t:.1f} s")
    finally:
        await conn.close()


def _compiled(stmt: Any) -> str:
    dialect = postgresql.dialect()  # type: ignore[no-untyped-call]
    return str(stmt.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))


def _jsonish(row: tuple[Any, ...]) -> tuple[Any, ...]:
    return tuple(json.dumps(v) if isinstance(v, list) else v for v in row)


async def load(
    url: str, cat: Catalog, cols: Cols, *, reset: bool, log: Log, sa_url: str
) -> dict[str, float]:
    dsn = url
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    conn = await asyncpg.connect(dsn)
    try:
        await _session_setup(conn)
        n_existing = await conn.fetchval("SELECT count(*) FROM (SELECT 1 FROM dossier LIMIT 1) x")
        if n_existing and not reset:
            raise SystemExit("the dossier table is not empty: pass --reset to replace the data")
        await conn.execute(f"TRUNCATE {', '.join(DATA_TABLES + CATALOG_TABLES)} CASCADE")
        await conn.execute("DROP TABLE IF EXISTS bench_stage")
        # Units may be referenced by users / clients of the lead's fixtures: keep existing ids.
        if await conn.fetchval("SELECT count(*) FROM unit") and reset:
            await conn.execute("TRUNCATE unit CASCADE")
        await conn.copy_records_to_table(
            "unit",
            records=cat.units,
            columns=[
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
        )
        await conn.copy_records_to_table(
            "procedure",
            records=cat.procedures,
            columns=[
                "id",
                "code",
                "name",
                "field",
                "field_code",
                "level",
                "is_active",
                "created_at",
            ],
        )
        await conn.copy_records_to_table(
            "procedure_version",
            records=[_jsonish(r) for r in cat.versions],
            columns=[
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
        )
        await conn.copy_records_to_table(
            "procedure_step",
            records=cat.steps,
            columns=["id", "version_id", "seq", "name", "role", "unit_id", "budget_hours"],
        )
        await conn.copy_records_to_table(
            "procedure_unit", records=cat.procedure_units, columns=["procedure_id", "unit_id"]
        )
        timings["catalog"] = time.perf_counter() - t0

        t = time.perf_counter()
        indexes = await secondary_indexes(conn)
        indexes += missing_model_indexes({(t, c) for t, _d, c in indexes})
        for _tbl, drop, _create in indexes:
            await conn.execute(drop)
        timings["drop_indexes"] = time.perf_counter() - t
    finally:
        await conn.close()

    # Two connections in parallel: (stage → dossier, pauses, apologies) and (COPY of events,
    # steps, ratings, rollups, which need no stage).
    t = time.perf_counter()
    stage = {k: v for k, v in cols.items() if k not in STAGE_EXCLUDE}
    await asyncio.gather(_insert_from_stage(dsn, stage, log), _copy_rows(dsn, cat, cols, log))
    timings["insert"] = time.perf_counter() - t

    t = time.perf_counter()
    # Biggest first so the two workers finish together.
    order = {"dossier_event": 0, "dossier": 1, "dossier_step": 2}
    creates = sorted(indexes, key=lambda x: order.get(x[0], 9))
    await _pool_run(dsn, [(c.split(" ON ")[0][-60:], c) for _t, _d, c in creates], log)
    timings["indexes"] = time.perf_counter() - t

    t = time.perf_counter()
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute("DROP TABLE bench_stage")
        for table in ["unit", "procedure", "procedure_version", "procedure_step", "dossier",
                      "dossier_event", "dossier_step", "dossier_pause", "dossier_apology",
                      "report_rating"]:  # fmt: skip
            await conn.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'),"  # noqa: S608
                f" GREATEST((SELECT max(id) FROM {table}), 1))"
            )
    finally:
        await conn.close()
    await _pool_run(
        dsn,
        [
            (f"vacuum {tb}", f"VACUUM ANALYZE {tb}")
            for tb in [
                "dossier_event",
                "dossier",
                "dossier_step",
                "report_rating",
                "report_rating_monthly",
                "report_ontime_daily",
                "report_ontime_unit_daily",
                "report_ontime_unit_monthly",
                "report_b06_daily",
                "report_b06_monthly",
                "report_b06_total",
                "dossier_apology",
                "dossier_pause",
                "unit",
                "procedure",
                "procedure_version",
                "procedure_step",
                "procedure_unit",
            ]
        ],
        log,
    )
    timings["vacuum"] = time.perf_counter() - t
    timings["total_db"] = time.perf_counter() - t0
    return timings


def asyncpg_dsn(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://").replace(
        "postgresql+psycopg://", "postgresql://"
    )


def now_utc() -> dt.datetime:
    from onestop.core import clock

    return clock.now()
