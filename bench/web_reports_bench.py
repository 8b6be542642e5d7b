"""The managers' pages at scale, over HTTP: the dashboard of the province for the current quarter
next to the hand-written SQL of its figures (``DASHBOARD_SQL``), each report page next to its
JSON endpoint (the page may cost at most twice the JSON), and the leader's inbox (a department's
leader and the province's); p50 and p95 of warm requests on one keep-alive connection.

    .venv/bin/python bench/web_reports_bench.py \
        --database-url postgresql+asyncpg://postgres@127.0.0.1:5432/onestop_bench10m

Starts the server as ``bench/reports_bench.py`` does (2 workers, its secret), logs in by putting a
signed token in the session cookie (the pages' own login would only add a password hash). It
needs two accounts: ``bench_admin`` at the root (created if missing, as reports_bench does) and
``bench_leader``, a leader of ``--leader-unit`` (created if missing), and ``bench_leader_root``,
a leader of the province (its inbox spans every unit); nothing else is written.
Prints a Markdown table and writes the figures as JSON to ``--out``.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import reports_bench as rb  # the sibling script: server, client, accounts

LEADER = "bench_leader"
ROOT_LEADER = "bench_leader_root"


async def ensure_leader(url: str, unit_code: str, username: str = LEADER) -> int:
    return await rb.ensure_user(url, username, "leader", unit_code)


def series(client: rb.Http, path: str, n: int, warm: int) -> dict[str, float]:
    for _ in range(warm):
        status, body = client.get(path)
        if status != 200:
            raise SystemExit(f"{path} → {status} {body[:300]!r}")
    ms = []
    for _ in range(n):
        t = time.perf_counter()
        status, body = client.get(path)
        ms.append((time.perf_counter() - t) * 1000)
        if status != 200:
            raise SystemExit(f"{path} → {status} {body[:300]!r}")
    return {
        "p50": statistics.median(ms),
        "p95": rb.pct(ms, 0.95),
        "max": max(ms),
        "n": float(n),
        "bytes": float(len(body)),
    }


#: The dashboard's figures, hand-written (one connection, in sequence): on-time per child unit
#: and month, open dossiers per child unit and category, ratings per child unit and level, open
#: follow-ups. "Due within a working day" is a calendar day here, the floor's one shortcut.
CHILD = "split_part(substr(u.path, length($1) + 1), '/', 1)"
DASHBOARD_SQL = [
    f"""SELECT {CHILD}, sum(r.early), sum(r.on_time), sum(r.late)
      FROM report_ontime_unit_monthly r JOIN unit u ON u.id = r.competent_unit_id
      WHERE u.path LIKE $1 || '%' AND r.month BETWEEN $2 AND $3 GROUP BY 1""",
    """SELECT r.month, sum(r.early), sum(r.on_time), sum(r.late)
      FROM report_ontime_unit_monthly r JOIN unit u ON u.id = r.competent_unit_id
      WHERE u.path LIKE $1 || '%' AND r.month BETWEEN $2::date - 275 AND $3::date GROUP BY 1""",
    f"""SELECT {CHILD},
        count(*) FILTER (WHERE d.status <> 5 AND d.due_at < now()),
        count(*) FILTER (WHERE d.status <> 5 AND d.due_at >= now()
                         AND d.due_at < now() + interval '1 day'),
        count(*) FILTER (WHERE d.status = 5),
        count(*) FILTER (WHERE d.status <> 5 AND d.due_at < now() AND d.reappointment_count = 0)
      FROM dossier d JOIN unit u ON u.id = d.competent_unit_id
      WHERE d.ended_at IS NULL AND u.path LIKE $1 || '%' AND $2::date IS NOT NULL
        AND $3::date IS NOT NULL GROUP BY 1""",
    f"""SELECT {CHILD}, r.level, sum(r.n)
      FROM report_rating_monthly r JOIN unit u ON u.id = r.unit_id
      WHERE u.path LIKE $1 || '%' AND r.month BETWEEN $2 AND $3 GROUP BY 1, 2""",
    f"""SELECT {CHILD}, count(*) FROM report_followup_task f JOIN unit u ON u.id = f.unit_id
      WHERE f.resolved_at IS NULL AND u.path LIKE $1 || '%' AND $2::date IS NOT NULL
        AND $3::date IS NOT NULL GROUP BY 1""",
]


async def dashboard_floor(
    url: str, first: dt.date, last: dt.date, n: int, warm: int
) -> dict[str, float]:
    """The statements of ``DASHBOARD_SQL`` for the province and the quarter, p50 / p95 of their
    sum (what the page would cost with nothing but its queries)."""
    import asyncpg  # type: ignore[import-untyped]

    conn = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        path = await conn.fetchval("SELECT path FROM unit WHERE code = $1", rb.ROOT)

        for _ in range(warm):
            for sql in DASHBOARD_SQL:
                await conn.fetch(sql, path, first, last)
        ms = []
        for _ in range(n):
            t = time.perf_counter()
            for sql in DASHBOARD_SQL:
                await conn.fetch(sql, path, first, last)
            ms.append((time.perf_counter() - t) * 1000)
        return {"p50": statistics.median(ms), "p95": rb.pct(ms, 0.95), "n": float(n)}
    finally:
        await conn.close()


def current_quarter(today: dt.date) -> tuple[dt.date, dt.date]:
    first_month = 3 * ((today.month - 1) // 3) + 1
    start = dt.date(today.year, first_month, 1)
    nxt = dt.date(today.year + (first_month == 10), (first_month + 2) % 12 + 1, 1)
    return start, nxt - dt.timedelta(days=1)


async def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--database-url", required=True)
    ap.add_argument("--requests", type=int, default=30)
    ap.add_argument("--warm", type=int, default=3)
    ap.add_argument("--slow-requests", type=int, default=5, help="for the 766 page (seconds each)")
    ap.add_argument("--leader-unit", default="000.00.10.H99")
    ap.add_argument("--port", type=int, default=8732)
    ap.add_argument("--cases", default="dash,ontime,bieu06,sat,766,inbox,inbox_root")
    ap.add_argument("--out", default="bench/web_reports_bench.json")
    args = ap.parse_args()
    url: str = args.database_url
    os.environ["ONESTOP_SECRET_KEY"] = rb.SECRET
    admin = rb.token_for(await rb.ensure_admin(url))
    leader = rb.token_for(await ensure_leader(url, args.leader_unit))
    root_leader = rb.token_for(await ensure_leader(url, rb.ROOT, ROOT_LEADER))
    tz = dt.timezone(dt.timedelta(hours=7))
    today = dt.datetime.now(tz).date()  # noqa: TID251 - a benchmark measures against the real clock
    q_from, q_to = current_quarter(today)
    period = f"from={q_from}&to={q_to}&unit={rb.ROOT}"
    page_period = f"ky=custom&tu={q_from}&den={q_to}&unit={rb.ROOT}"
    cases: list[tuple[str, str, str, str | None]] = [
        ("dash", "Dashboard, province, current quarter", "/web/tong-quan", None),
        (
            "ontime",
            "On-time per unit, province, quarter",
            f"/web/bao-cao/dung-han?{page_period}&nhom=unit",
            f"/api/v1/reports/on-time?{period}&group_by=unit",
        ),
        (
            "bieu06",
            "Biểu 06, province, quarter",
            f"/web/bao-cao/bieu-06?{page_period}",
            f"/api/v1/reports/bieu-06?{period}",
        ),
        (
            "sat",
            "Satisfaction, province, quarter",
            f"/web/bao-cao/hai-long?{page_period}",
            f"/api/v1/reports/satisfaction?{period}",
        ),
        (
            "766",
            "Decision 766, province, quarter",
            f"/web/bao-cao/chi-so-766?{page_period}",
            f"/api/v1/reports/index-766?{period}",
        ),
        ("inbox", f"Leader's inbox ({args.leader_unit})", "/web/hop-thu", None),
        ("inbox_root", f"Leader's inbox (the province, {rb.ROOT})", "/web/hop-thu", None),
    ]
    wanted = set(args.cases.split(","))
    results: dict[str, Any] = {}
    server = rb.start_server(url, args.port)
    try:
        print("| case | page p50 / p95 ms | JSON (dashboard: SQL) p50 / p95 ms | ratio (p50) |")
        print("| --- | --- | --- | --- |")
        for key, name, page, json_path in cases:
            if key not in wanted:
                continue
            # Fresh connections per case: an idle keep-alive connection is closed by the server.
            cookie = {"inbox": leader, "inbox_root": root_leader}.get(key, admin)
            client = rb.Http(args.port, {"Cookie": f"onestop_session={cookie}"})
            api = rb.Http(args.port, {"Authorization": f"Bearer {admin}"})
            n = args.slow_requests if key == "766" else args.requests
            h = series(client, page, n, args.warm)
            row: dict[str, Any] = {"page": h, "page_path": page}
            line = f"| {name} | {h['p50']:.1f} / {h['p95']:.1f} |"
            if key == "dash":
                f = await dashboard_floor(url, q_from, q_to, n, args.warm)
                row |= {"sql": f, "ratio_p50": h["p50"] / f["p50"]}
                line += f" SQL {f['p50']:.1f} / {f['p95']:.1f} | {h['p50'] / f['p50']:.2f}× |"
            elif json_path is not None:
                j = series(api, json_path, n, args.warm)
                row |= {"json": j, "json_path": json_path, "ratio_p50": h["p50"] / j["p50"]}
                line += f" {j['p50']:.1f} / {j['p95']:.1f} | {h['p50'] / j['p50']:.2f}× |"
            else:
                line += " — | — |"
            results[name] = row
            print(line, flush=True)
            client.conn.close()
            api.conn.close()
    finally:
        server.terminate()
        server.wait(timeout=30)
    results["_meta"] = {
        "database": url.split("/")[-1],
        "quarter": [str(q_from), str(q_to)],
        "requests": args.requests,
        "warm": args.warm,
        "loadavg": os.getloadavg(),
    }
    Path(args.out).write_text(json.dumps(results, indent=2, default=str))  # noqa: ASYNC240


if __name__ == "__main__":
    asyncio.run(main())
