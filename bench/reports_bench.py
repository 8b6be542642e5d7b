"""Report latency at scale: four endpoints over HTTP with one client, each next to the
best hand-written SQL for the same answer, timed in the same run.

    .venv/bin/python bench/reports_bench.py \
        --database-url postgresql+asyncpg://postgres@127.0.0.1:5432/onestop_bench10m

Starts ``uvicorn onestop.app:create_app --factory --workers 2`` itself (ONESTOP_LOG_LEVEL=WARNING,
ONESTOP_RUN_WORKER_IN_APP=false), creates an admin account ``bench_admin`` at the root unit if
missing, and signs its token with the secret given to the server. Prints a Markdown table and
writes the figures as JSON next to ``--out``.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import http.client
import json
import os
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx

SECRET = "bench-secret-key-0123456789abcdef0123456789abcdef"
ROOT = "000.00.00.H99"


def pct(values: list[float], q: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, round(q * (len(s) - 1)))]


def summary(ms: list[float]) -> dict[str, float]:
    return {"p50": statistics.median(ms), "p99": pct(ms, 0.99), "n": float(len(ms))}


async def ensure_user(url: str, username: str, role: str, unit_code: str) -> int:
    """The id of the account ``username`` (created with ``role`` at ``unit_code`` if missing)."""
    from sqlalchemy import select
    from sqlalchemy.ext.asyncio import create_async_engine
    from sqlalchemy.pool import NullPool

    import onestop.models  # noqa: F401  (every table, for the ORM's foreign keys)
    from onestop.auth.models import User
    from onestop.auth.service import create_user
    from onestop.wiring import make_sessionmaker

    engine = create_async_engine(url, poolclass=NullPool)
    try:
        async with make_sessionmaker(engine)() as session:
            uid = (
                await session.execute(select(User.id).where(User.username == username))
            ).scalar_one_or_none()
            if uid is None:
                user = await create_user(
                    session=session,
                    username=username,
                    password="bench-Password-123",
                    full_name=f"Bench {role.title()}",
                    role=role,
                    unit_code=unit_code,
                )
                uid = user.id
            return int(uid)
    finally:
        await engine.dispose()


async def ensure_admin(url: str) -> int:
    return await ensure_user(url, "bench_admin", "admin", ROOT)


def token_for(uid: int) -> str:
    from onestop.auth.tokens import issue_token

    return issue_token(f"user:{uid}", secret=SECRET, minutes=240)


def start_server(url: str, port: int) -> subprocess.Popen[bytes]:
    env = dict(os.environ)
    env |= {
        "ONESTOP_DATABASE_URL": url,
        "ONESTOP_LOG_LEVEL": "WARNING",
        "ONESTOP_RUN_WORKER_IN_APP": "false",
        "ONESTOP_SECRET_KEY": SECRET,
    }
    venv_bin = Path(sys.executable).parent
    cmd = [str(venv_bin / "uvicorn"), "onestop.app:create_app", "--factory", "--workers", "2",
           "--host", "127.0.0.1", "--port", str(port), "--no-access-log",
           "--log-level", "warning"]  # fmt: skip
    proc = subprocess.Popen(cmd, env=env)
    for _ in range(200):
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    proc.terminate()
    raise SystemExit("server did not start")


class Http:
    """One keep-alive connection through the standard library's ``http.client``: its own cost per
    request is small and flat, whereas httpx took 0.8 ms (``/healthz``) to 6 ms (a 50-item page)
    per request in the client itself (measured 2026-11-23), which the server did not spend."""

    def __init__(self, port: int, headers: dict[str, str]) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.headers = headers

    def get(self, path: str) -> tuple[int, bytes]:
        self.conn.request("GET", path, headers=self.headers)
        resp = self.conn.getresponse()
        return resp.status, resp.read()

    def json(self, path: str) -> Any:
        status, body = self.get(path)
        if status != 200:
            raise SystemExit(f"{path} → {status} {body[:300]!r}")
        return json.loads(body)


def http_series(client: Http, paths: Callable[[int], str], n: int, warm: int) -> dict[str, float]:
    for i in range(warm):
        client.json(paths(i))
    ms = []
    for i in range(n):
        t = time.perf_counter()
        status, body = client.get(paths(i))
        ms.append((time.perf_counter() - t) * 1000)
        if status != 200:
            raise SystemExit(f"{paths(i)} → {status} {body[:300]!r}")
    return summary(ms)


async def sql_series(run: Callable[[int], Awaitable[Any]], n: int, warm: int) -> dict[str, float]:
    for i in range(warm):
        await run(i)
    ms = []
    for i in range(n):
        t = time.perf_counter()
        await run(i)
        ms.append((time.perf_counter() - t) * 1000)
    return summary(ms)


#: The same answer as the page: open overdue dossiers the unit holds, received or decides
#: (a commune has no units below it), first 51 by urgency, with the open step, its handler and
#: the last apology joined to those 51 only.
OVERDUE_SQL = """
WITH p AS (
  SELECT d.id, d.code, d.status, d.procedure_id, d.applicant_name, d.receiving_unit_id,
         d.competent_unit_id, d.current_step_seq, d.due_at, d.due_at_original, d.appointment_at
  FROM dossier d
  WHERE d.ended_at IS NULL AND d.due_at IS NOT NULL AND d.status <> 5 AND d.due_at < $2
    AND (d.competent_unit_id = $1 OR d.current_unit_id = $1 OR d.receiving_unit_id = $1)
  ORDER BY d.due_at, d.id LIMIT 51)
SELECT p.*, s.seq, s.name, s.unit_id, s.started_at, s.budget_hours, s.due_at AS step_due_at,
       u.username, u.full_name, a.on_time, a.letter_number, a.issued_at, a.new_appointment_at
FROM p
LEFT JOIN dossier_step s ON s.dossier_id = p.id AND s.seq = p.current_step_seq
  AND s.ended_at IS NULL
LEFT JOIN app_user u ON u.id = s.handler_id
LEFT JOIN LATERAL (SELECT * FROM dossier_apology x WHERE x.dossier_id = p.id
                   ORDER BY x.number DESC LIMIT 1) a ON true
ORDER BY p.due_at, p.id
"""
ONTIME_SQL = """
SELECT competent_unit_id, sum(early) e, sum(on_time) o, sum(late) l
FROM report_ontime_unit_monthly WHERE month BETWEEN $1 AND $2 GROUP BY competent_unit_id
"""
#: Biểu 06 of the root for whole months [$1, $2) from its rollup rows (grain 1): the period's
#: monthly flows, and the stocks at $2 as totals minus the months from $2 on.
BIEU06_SQL = """
WITH r AS (SELECT id FROM unit WHERE code = '000.00.00.H99'), x AS (
  SELECT 's' AS tag, level_group, field, 0 AS ro, 0 AS rt, 0 AS en, open, overdue
  FROM report_b06_total WHERE grain = 1 AND unit_id = (SELECT id FROM r)
  UNION ALL
  SELECT CASE WHEN month < $2 THEN 'f' ELSE 't' END, level_group, field, recv_online, recv_other,
    end_early + end_on_time + end_late + end_other, 0, overdue
  FROM report_b06_monthly WHERE grain = 1 AND unit_id = (SELECT id FROM r) AND month >= $1)
SELECT level_group, field,
  sum(ro) FILTER (WHERE tag = 'f') AS online, sum(rt) FILTER (WHERE tag = 'f') AS counter,
  sum(en) FILTER (WHERE tag = 'f') AS ended,
  sum(open) - sum(ro + rt - en) FILTER (WHERE tag = 't') AS in_progress_at_end,
  sum(overdue) FILTER (WHERE tag = 's') - sum(overdue) FILTER (WHERE tag = 't')
    AS overdue_at_end
FROM x GROUP BY level_group, field
"""
COUNT_SQL = """
SELECT count(*) FROM dossier d
WHERE d.ended_at IS NULL AND d.due_at IS NOT NULL AND d.due_at < $1 AND d.status <> 5
"""


def last_quarter(today: dt.date) -> tuple[dt.date, dt.date]:
    q = (today.month - 1) // 3
    year, q = (today.year, q - 1) if q > 0 else (today.year - 1, 3)
    start = dt.date(year, 3 * q + 1, 1)
    end_month = dt.date(year + (q == 3), (3 * q + 3) % 12 + 1, 1)
    return start, end_month - dt.timedelta(days=1)


async def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--database-url", required=True)
    ap.add_argument("--requests", type=int, default=200)
    ap.add_argument("--slow-requests", type=int, help="requests for (c): it takes seconds")
    ap.add_argument("--cases", default="abcd", help="which of (a)–(d) to run, e.g. abd")
    ap.add_argument("--port", type=int, default=8731)
    ap.add_argument("--out", default="bench/reports_bench.json")
    args = ap.parse_args()
    url: str = args.database_url
    n: int = args.requests
    pg = url.startswith("postgresql")
    os.environ["ONESTOP_SECRET_KEY"] = SECRET
    uid = await ensure_admin(url)
    headers = {"Authorization": f"Bearer {token_for(uid)}"}
    tz = dt.timezone(dt.timedelta(hours=7))
    now = dt.datetime.now(tz)  # noqa: TID251 - a benchmark measures against the real clock
    q_from, q_to = last_quarter(now.date())

    import asyncpg  # type: ignore[import-untyped]

    if pg:
        conn = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
        found = await conn.fetch("SELECT id, code FROM unit WHERE level = 'commune' ORDER BY id")
    else:  # SQLite: HTTP figures only (compared with the PostgreSQL run)
        import sqlite3

        lite = sqlite3.connect(url.split("///", 1)[1])
        found = lite.execute("SELECT id, code FROM unit WHERE level = 'commune' ORDER BY id")
        found = [{"id": i, "code": c} for i, c in found.fetchall()]
        lite.close()
        conn = None
    units = [(r["id"], r["code"]) for r in found]
    rnd = random.Random(1)
    pick = [rnd.choice(units) for _ in range(n + 20)]
    results: dict[str, dict[str, Any]] = {}

    server = start_server(url, args.port)
    try:
        c = Http(args.port, headers)
        period = f"from={q_from}&to={q_to}&unit={ROOT}"
        cases: list[tuple[str, Callable[[int], str], Callable[[int], Awaitable[Any]]]] = [
            (
                "(a) overdue list, one unit, first page",
                lambda i: f"/api/v1/reports/overdue?unit={pick[i][1]}",
                lambda i: conn.fetch(OVERDUE_SQL, pick[i][0], now),
            ),
            (
                "(b) on-time per unit, quarter, 2,000 units",
                lambda i: f"/api/v1/reports/on-time?{period}&group_by=unit&links=false",
                lambda i: conn.fetch(ONTIME_SQL, q_from, q_to.replace(day=1)),
            ),
            (
                "(c) Biểu 06, province, quarter",
                lambda i: f"/api/v1/reports/bieu-06?{period}",
                lambda i: conn.fetch(BIEU06_SQL, q_from, q_to + dt.timedelta(days=1)),
            ),
            (
                "(d) province overdue count (`total` of the overdue list)",
                lambda i: "/api/v1/reports/overdue?total=true&limit=1",
                lambda i: conn.fetchval(COUNT_SQL, now),
            ),
        ]
        for name, path, sql in cases:
            if name[1] not in args.cases:
                continue
            m = args.slow_requests if args.slow_requests and name[1] == "c" else n
            # Each series first makes one untimed pass over every request it will time: the
            # pages of 200 communes' lists are then in the caches for both (an officer's list is
            # read all day). With 10 warm-up requests only, the HTTP series met each commune
            # cold and the SQL series, run after it, warm.
            h = http_series(c, path, m, warm=m)
            if conn is None:
                results[name] = {"http": h}
                print(f"| {name} | {h['p50']:.1f} / {h['p99']:.1f} |", flush=True)
                continue
            s = await sql_series(sql, m, warm=m)
            results[name] = {"http": h, "sql": s, "ratio_p50": h["p50"] / s["p50"]}
            print(
                f"| {name} | {h['p50']:.1f} / {h['p99']:.1f} | {s['p50']:.1f} / {s['p99']:.1f}"
                f" | {h['p50'] / s['p50']:.1f}× |",
                flush=True,
            )
        body = c.json(cases[1][1](0))
        total = c.json(cases[3][1](0)).get("total")
        results["_check"] = {
            "on_time_rows": len(body.get("rows", body.get("items", []))),
            "overdue_total": total,
            "overdue_total_sql": await conn.fetchval(COUNT_SQL, now) if conn else None,
        }
    finally:
        c.conn.close()
        server.terminate()
        server.wait(timeout=30)
        if conn is not None:
            await conn.close()
    results["_meta"] = {
        "database": "postgresql" if pg else "sqlite",
        "quarter": [str(q_from), str(q_to)],
        "loadavg": os.getloadavg(),
        "requests": n,
    }
    Path(args.out).write_text(json.dumps(results, indent=2, default=str))  # noqa: ASYNC240


if __name__ == "__main__":
    asyncio.run(main())
