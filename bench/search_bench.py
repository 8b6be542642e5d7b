"""Text search in the dossier list (``GET /api/v1/dossiers?q=``) at scale, over HTTP with one
client, as a province-wide account (no unit condition narrows the search).

    .venv/bin/python bench/search_bench.py \
        --database-url postgresql+asyncpg://postgres@127.0.0.1:5432/onestop_bench10m

Each text is timed over ``--requests`` requests after one untimed request. Next to it, once, the
single query the list would send without its two reads (``listing._searched``), planned by
PostgreSQL with the same indexes: where the planner over-estimates the matches it walks the id
index newest first through the whole table (a statement timeout of 30 s caps it).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.reports_bench import (
    SECRET,
    Http,
    ensure_admin,
    http_series,
    start_server,
    token_for,
)

PLAIN = """SELECT id FROM dossier
WHERE code LIKE $1 || '%' OR applicant_search LIKE '%' || $2 || '%' ORDER BY id DESC LIMIT 51"""


async def texts(dsn: str) -> list[tuple[str, str]]:
    import asyncpg  # type: ignore[import-untyped]

    conn = await asyncpg.connect(dsn)
    try:
        newest = await conn.fetchval("SELECT code FROM dossier ORDER BY id DESC LIMIT 1")
        oldest = await conn.fetchrow(
            "SELECT code, applicant_search FROM dossier ORDER BY id LIMIT 1"
        )
    finally:
        await conn.close()
    return [
        ("a name nobody has", "nguyen van khongco"),
        ("a full name, of the oldest dossier", str(oldest["applicant_search"])),
        ("a common surname", "nguyen"),
        ("an exact code, the oldest", str(oldest["code"])),
        ("a code prefix (unit and day), the newest", str(newest).rsplit("-", 1)[0]),
    ]


async def plain_ms(dsn: str, q: str) -> float:
    import asyncpg

    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute("SET statement_timeout = '30s'")
        t = time.perf_counter()
        try:
            await conn.fetch(PLAIN, q, q)
        except asyncpg.QueryCanceledError:
            return float("inf")
        return (time.perf_counter() - t) * 1000
    finally:
        await conn.close()


async def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--database-url", required=True)
    ap.add_argument("--requests", type=int, default=50)
    ap.add_argument("--port", type=int, default=8732)
    args = ap.parse_args()
    os.environ["ONESTOP_SECRET_KEY"] = SECRET
    dsn = args.database_url.replace("postgresql+asyncpg://", "postgresql://")
    uid = await ensure_admin(args.database_url)
    cases = await texts(dsn)
    server = start_server(args.database_url, args.port)
    try:
        client = Http(args.port, {"Authorization": f"Bearer {token_for(uid)}"})
        print("| text | q | HTTP p50 / p99 ms | single query, ms |")
        print("|---|---|---|---|")
        for label, q in cases:
            path = f"/api/v1/dossiers?q={quote(q)}&limit=50"
            h = http_series(client, lambda _i, p=path: p, args.requests, warm=1)
            found = len(client.json(path)["items"])
            before = await plain_ms(dsn, q)
            shown = "> 30,000" if before == float("inf") else f"{before:,.1f}"
            print(
                f"| {label} ({found} found) | `{q}` | {h['p50']:.1f} / {h['p99']:.1f} | {shown} |",
                flush=True,
            )
    finally:
        client.conn.close()
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    asyncio.run(main())
