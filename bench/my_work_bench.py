""""Việc của tôi" at scale, over HTTP: the officer's own work as JSON (``GET
/api/v1/worklists/mine``, first page and the next one) and as the web page (``/web/viec-cua-toi``),
next to the overdue list of the whole province (which merges the dossiers late for acceptance);
p50 and p95 of warm requests on one keep-alive connection, and the plans PostgreSQL chose.

    .venv/bin/python bench/my_work_bench.py \
        --database-url postgresql+asyncpg://postgres@127.0.0.1:5432/onestop_bench_mywork

On a database loaded with ``onestop bench-data`` (nobody is assigned there). Starts the server as
``bench/reports_bench.py`` does (2 workers, its secret). Writes: the account ``bench_officer``, an
officer of ``--unit`` (default: the unit holding the most open steps), created if missing, and the
assignment to it of ``--assigned`` open dossiers at a step of that unit (``handler_id`` of the
dossier and of its open step, as the ``assign`` action leaves them), most urgent first;
``bench_admin`` as reports_bench. Prints a Markdown table and the EXPLAIN of the officer's page,
and writes the figures as JSON to ``--out``. Exits non-zero when the page's plan does not use
``ix_dossier_open_handler_due``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import reports_bench as rb  # the sibling script: server, client, accounts
from web_reports_bench import series

OFFICER = "bench_officer"
INDEX = "ix_dossier_open_handler_due"


async def busiest_unit(url: str) -> str:
    """The unit holding the most open steps (the officer with the fullest list is the worst)."""
    import asyncpg  # type: ignore[import-untyped]

    conn = await asyncpg.connect(rb_asyncpg(url))
    try:
        code: str = await conn.fetchval(
            "SELECT u.code FROM dossier d JOIN unit u ON u.id = d.current_unit_id"
            " WHERE d.ended_at IS NULL AND d.current_step_seq IS NOT NULL"
            " GROUP BY u.code ORDER BY count(*) DESC, u.code LIMIT 1"
        )
        return code
    finally:
        await conn.close()


def rb_asyncpg(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://")


async def ensure_officer(url: str, unit_code: str, assigned: int) -> tuple[int, int]:
    """``bench_officer`` at ``unit_code`` and ``assigned`` open dossiers of that unit handed to
    it (most urgent first); returns its id and how many dossiers it holds."""
    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine
    from sqlalchemy.pool import NullPool

    uid = await rb.ensure_user(url, OFFICER, "officer", unit_code)
    engine = create_async_engine(url, poolclass=NullPool)
    try:
        async with engine.begin() as conn:
            params = {"uid": uid, "unit": unit_code, "n": assigned}
            await conn.execute(
                text(
                    "UPDATE dossier SET handler_id = :uid WHERE id IN ("
                    " SELECT d.id FROM dossier d JOIN unit u ON u.id = d.current_unit_id"
                    " WHERE u.code = :unit AND d.ended_at IS NULL"
                    " AND d.current_step_seq IS NOT NULL AND d.due_at IS NOT NULL"
                    " ORDER BY d.due_at, d.id LIMIT :n)"
                ),
                params,
            )
            await conn.execute(
                text(
                    "UPDATE dossier_step s SET handler_id = :uid FROM dossier d"
                    " WHERE d.id = s.dossier_id AND d.handler_id = :uid"
                    " AND s.seq = d.current_step_seq AND s.ended_at IS NULL"
                ),
                {"uid": uid},
            )
            held = (
                await conn.execute(
                    text(
                        "SELECT count(*) FROM dossier WHERE handler_id = :uid AND ended_at IS NULL"
                    ),
                    {"uid": uid},
                )
            ).scalar_one()
            await conn.execute(text("ANALYZE dossier"))
        return int(uid), int(held)
    finally:
        await engine.dispose()


async def explain_mine(url: str, officer_id: int) -> str:
    """EXPLAIN ANALYZE of the officer's first page as the server sends it."""
    import asyncpg
    from sqlalchemy.dialects import postgresql

    from onestop.core.driver import _for_driver
    from onestop.metrics.worklists import mine

    stmt = mine._page_statement(pg=True, cursor=False)
    compiled = _for_driver(stmt, postgresql.asyncpg.dialect())
    args = compiled.args({"handler_id": officer_id, "limit": 51})
    conn = await asyncpg.connect(rb_asyncpg(url))
    try:
        rows = await conn.fetch("EXPLAIN (ANALYZE, BUFFERS) " + compiled.sql, *args)
        return "\n".join(r[0] for r in rows)
    finally:
        await conn.close()


async def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--database-url", required=True)
    ap.add_argument("--requests", type=int, default=200)
    ap.add_argument("--warm", type=int, default=10)
    ap.add_argument("--unit", help="the officer's unit (default: the one with most open steps)")
    ap.add_argument("--assigned", type=int, default=300, help="open dossiers given the officer")
    ap.add_argument("--port", type=int, default=8733)
    ap.add_argument("--out", default="bench/my_work_bench.json")
    args = ap.parse_args()
    url: str = args.database_url
    if not url.startswith("postgresql"):
        raise SystemExit("a PostgreSQL --database-url (the plans are PostgreSQL's)")
    os.environ["ONESTOP_SECRET_KEY"] = rb.SECRET
    unit = args.unit or await busiest_unit(url)
    officer_id, held = await ensure_officer(url, unit, args.assigned)
    officer = rb.token_for(officer_id)
    admin = rb.token_for(await rb.ensure_admin(url))
    plan = await explain_mine(url, officer_id)
    uses_index = INDEX in plan
    server = rb.start_server(url, args.port)
    results: dict[str, Any] = {}
    try:
        api = rb.Http(args.port, {"Authorization": f"Bearer {officer}"})
        first = api.json("/api/v1/worklists/mine")
        cursor = first["next_cursor"]
        web = rb.Http(args.port, {"Cookie": f"onestop_session={officer}"})
        province = rb.Http(args.port, {"Authorization": f"Bearer {admin}"})
        cases: list[tuple[str, rb.Http, str]] = [
            ("My work, JSON, first page (50)", api, "/api/v1/worklists/mine"),
            ("My work, web page", web, "/web/viec-cua-toi"),
            ("Overdue, province, JSON (50)", province, "/api/v1/reports/overdue"),
        ]
        if cursor:
            nxt = ("My work, JSON, next page", api, f"/api/v1/worklists/mine?cursor={cursor}")
            cases.insert(1, nxt)
        print(f"officer of {unit} holding {held} open dossiers; counts {first['counts']}")
        print("| case | p50 ms | p95 ms | max ms | bytes |")
        print("| --- | --- | --- | --- | --- |")
        for name, client, path in cases:
            h = series(client, path, args.requests, args.warm)
            results[name] = {**h, "path": path}
            print(
                f"| {name} | {h['p50']:.1f} | {h['p95']:.1f} | {h['max']:.1f} | {h['bytes']:.0f} |"
            )
    finally:
        server.terminate()
        server.wait(timeout=30)
    print("\nEXPLAIN (ANALYZE, BUFFERS) of the officer's first page:\n" + plan)
    results["_meta"] = {
        "database": url.split("/")[-1],
        "unit": unit,
        "held": held,
        "counts": first["counts"],
        "requests": args.requests,
        "warm": args.warm,
        "uses_index": uses_index,
        "plan": plan.splitlines(),
        "loadavg": os.getloadavg(),
    }
    Path(args.out).write_text(json.dumps(results, indent=2, default=str))  # noqa: ASYNC240
    if not uses_index:
        raise SystemExit(f"the page's plan does not use {INDEX}")


if __name__ == "__main__":
    asyncio.run(main())
