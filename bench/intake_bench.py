"""Intake throughput: onestop's POST /api/v1/dossiers (counter intake, authenticated, PostgreSQL,
2 Uvicorn workers) against a bare raw-asyncpg insert of the same row, alternated in one run.

    .venv/bin/python bench/intake_bench.py [--rounds 3] [--duration 10] [--connections 32]

Needs wrk (Debian package) and PostgreSQL on 127.0.0.1:5432 (or BENCH_PG_URL). It recreates the
database ``onestop_bench``, migrates it, seeds the demo province and prints a Markdown table.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
VENV_BIN = Path(sys.executable).parent
PG_URL = os.environ.get(
    "BENCH_PG_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/onestop_bench"
)
ONESTOP_PORT, RAW_PORT = 8101, 8102

BODY = {
    "procedure": "1.004746",
    "competent_unit": "000.00.10.H99",
    "applicant": {
        "name": "Nguyễn Văn An",
        "id_number": "001203004567",
        "phone": "0912345678",
        "address": "Số 12 đường Trần Phú, phường Trung Tâm, tỉnh Demo",
    },
    "documents": [{"code": "TK", "quantity": 1}],
    "note": "hồ sơ mới",
}


async def prepare_database() -> None:
    import asyncpg

    from onestop.core import migrate
    from onestop.core.db import make_engine
    from onestop.core.settings import Settings
    from onestop.demo.seed import seed_demo
    from onestop.wiring import make_sessionmaker

    base, _, name = PG_URL.replace("postgresql+asyncpg://", "postgresql://").rpartition("/")
    conn = await asyncpg.connect(f"{base}/postgres")
    await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    await conn.execute(f'CREATE DATABASE "{name}"')
    await conn.close()
    await asyncio.to_thread(migrate.upgrade, PG_URL)
    from onestop.auth.service import create_user
    from onestop.demo.seed import DEMO_PASSWORD, load_catalog

    engine = make_engine(Settings(database_url=PG_URL))
    async with make_sessionmaker(engine)() as session:
        await seed_demo(session)
        for i, (code, _name) in enumerate(load_catalog()["communes"]):
            await create_user(
                session=session,
                username=f"clerk{i:02d}",
                password=DEMO_PASSWORD,
                full_name=f"Công chức một cửa {i:02d}",
                role="clerk",
                unit_code=code,
            )
    await engine.dispose()
    conn = await asyncpg.connect(f"{base}/{name}")
    await conn.execute("CREATE TABLE bench_raw_dossier (LIKE dossier INCLUDING ALL)")
    await conn.close()


def start(cmd: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(cmd, cwd=ROOT, env={**os.environ, **env}, stderr=subprocess.DEVNULL)


def wait_ready(port: int, path: str) -> None:
    for _ in range(100):
        try:
            httpx.get(f"http://127.0.0.1:{port}{path}", timeout=1)
            return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise SystemExit(f"server on {port} did not start")


def uvicorn_cmd(app: str, port: int) -> list[str]:
    return [
        str(VENV_BIN / "uvicorn"),
        app,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        "2",
        "--loop",
        "uvloop",
        "--http",
        "httptools",
        "--no-access-log",
        "--log-level",
        "warning",
    ]


def wrk(port: int, path: str, tokens: list[str], duration: int, conns: int) -> dict[str, float]:
    """POSTs the body; with several tokens, each request takes the next one (several counters)."""
    lua = "wrk.method = 'POST'\nwrk.body = [==[" + json.dumps(BODY, ensure_ascii=False) + "]==]\n"
    lua += "wrk.headers['Content-Type'] = 'application/json'\n"
    if tokens:
        lua += "local tokens = {" + ", ".join(f"'{t}'" for t in tokens) + "}\nlocal i = 0\n"
        lua += (
            "request = function()\n  i = i % #tokens + 1\n"
            "  wrk.headers['Authorization'] = 'Bearer ' .. tokens[i]\n"
            "  return wrk.format()\nend\n"
        )
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as fh:
        fh.write(lua)
    out = subprocess.run(
        [
            "wrk",
            "-t1",
            f"-c{conns}",
            f"-d{duration}s",
            "--latency",
            "-s",
            fh.name,
            f"http://127.0.0.1:{port}{path}",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p50 = _ms(re.search(r"50%\s+([\d.]+\w+)", out).group(1))  # type: ignore[union-attr]
    p99 = _ms(re.search(r"99%\s+([\d.]+\w+)", out).group(1))  # type: ignore[union-attr]
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    return {"rps": rps, "p50": p50, "p99": p99, "errors": float(non2xx.group(1)) if non2xx else 0}


def _ms(text: str) -> float:
    value, unit = re.match(r"([\d.]+)(\w+)", text).groups()  # type: ignore[union-attr]
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument(
        "--counters",
        type=int,
        default=1,
        help="receiving units (clerks) sharing the load; 1 = one counter's daily"
        " code sequence takes every request",
    )
    args = parser.parse_args()

    asyncio.run(prepare_database())
    env = {
        "ONESTOP_DATABASE_URL": PG_URL,
        "ONESTOP_LOG_LEVEL": "WARNING",
        "ONESTOP_RUN_WORKER_IN_APP": "false",
        "ONESTOP_DB_POOL_SIZE": "16",  # 32 connections over 2 workers
        "BENCH_RAW_DSN": PG_URL.replace("postgresql+asyncpg://", "postgresql://"),
    }
    servers = [
        start([*uvicorn_cmd("onestop.app:create_app", ONESTOP_PORT), "--factory"], env),
        start(uvicorn_cmd("bench.raw_intake_app:app", RAW_PORT), env),
    ]
    try:
        wait_ready(ONESTOP_PORT, "/healthz")
        wait_ready(RAW_PORT, "/")
        names = ["clerk"] + [f"clerk{i:02d}" for i in range(args.counters - 1)]
        tokens = [
            httpx.post(
                f"http://127.0.0.1:{ONESTOP_PORT}/api/v1/auth/token",
                data={"username": name, "password": "onestop-demo"},
            ).json()["access_token"]
            for name in names
        ]
        auth = {"Authorization": f"Bearer {tokens[0]}"}
        check = httpx.post(
            f"http://127.0.0.1:{ONESTOP_PORT}/api/v1/dossiers", json=BODY, headers=auth
        )
        if check.status_code != 201:
            raise SystemExit(f"intake failed: {check.status_code} {check.text}")
        results: dict[str, list[dict[str, float]]] = {"onestop": [], "raw": []}
        for _ in range(args.rounds):  # alternate, so drift hits both alike
            results["onestop"].append(
                wrk(ONESTOP_PORT, "/api/v1/dossiers", tokens, args.duration, args.connections)
            )
            results["raw"].append(wrk(RAW_PORT, "/dossiers", [], args.duration, args.connections))
    finally:
        for proc in servers:
            proc.terminate()
            proc.wait(timeout=20)
    report(results, args)
    return 0


def report(results: dict[str, list[dict[str, float]]], args: argparse.Namespace) -> None:
    med = {
        k: {m: statistics.median(r[m] for r in v) for m in ("rps", "p50", "p99", "errors")}
        for k, v in results.items()
    }
    ratios = [o["rps"] / r["rps"] for o, r in zip(results["onestop"], results["raw"], strict=True)]
    print(
        f"rounds={args.rounds} duration={args.duration}s connections={args.connections}"
        f" counters={args.counters}"
    )
    print(
        "| endpoint | req/s (median) | p50 ms | p99 ms | non-2xx | per-round req/s"
        " | per-round p99 ms |"
    )
    print("|---|---|---|---|---|---|---|")
    for name, label in (
        ("onestop", "onestop POST /api/v1/dossiers"),
        ("raw", "raw asyncpg insert"),
    ):
        m = med[name]
        rounds = ", ".join(f"{r['rps']:.0f}" for r in results[name])
        rounds += " | " + ", ".join(f"{r['p99']:.0f}" for r in results[name])
        figures = f"{m['rps']:.0f} | {m['p50']:.1f} | {m['p99']:.1f} | {m['errors']:.0f}"
        print(f"| {label} | {figures} | {rounds} |")
    print(
        f"ratio onestop/raw per round: {', '.join(f'{r:.2f}' for r in ratios)}; "
        f"median {statistics.median(ratios):.2f}"
    )


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    raise SystemExit(main())
