"""Soak: onestop under steady load for a long time — counter intakes at a fixed rate (half of the
measured capacity by default) plus officers' overdue-list reads — while the memory of each
server worker is sampled. Passes when, after the warm-up, each worker's RSS grows by at most 10 %,
p99 stays within 2× of the first window's, and no request fails.

    .venv/bin/python bench/soak_bench.py [--minutes 30] [--intake-rate 60] [--read-rate 30]

PostgreSQL on 127.0.0.1:5432 (or BENCH_PG_URL): recreates ``onestop_bench`` like
``intake_bench.py``. Writes ``bench/soak.csv`` (one row per window) and ``bench/soak.png`` (RSS
per worker and p50/p99 per window), and prints a Markdown summary. The load generator is open
loop (requests start on schedule whether or not earlier ones have answered), so a slow server
shows as latency, not as a lower rate.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT))

import intake_bench  # noqa: E402  (the same database and server set-up)

PORT = intake_bench.ONESTOP_PORT
BASE = f"http://127.0.0.1:{PORT}"


@dataclass
class Window:
    start: float
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    rss_mb: dict[int, float] = field(default_factory=dict)

    def pct(self, q: float) -> float:
        if not self.latencies:
            return 0.0
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


def workers(master: int) -> list[psutil.Process]:
    return sorted(psutil.Process(master).children(recursive=True), key=lambda p: p.pid)


async def run_load(
    args: argparse.Namespace, master: int, tokens: list[str], reader: str
) -> list[Window]:
    windows: list[Window] = []
    start = time.monotonic()
    end = start + args.minutes * 60
    limits = httpx.Limits(max_connections=64, max_keepalive_connections=64)
    async with httpx.AsyncClient(base_url=BASE, limits=limits, timeout=30) as client:

        def window() -> Window:
            index = int((time.monotonic() - start) // args.window)
            while len(windows) <= index:
                windows.append(Window(start + len(windows) * args.window))
            return windows[index]

        async def one(method: str, path: str, token: str, json: object = None) -> None:
            w = window()
            t = time.perf_counter()
            try:
                r = await client.request(
                    method, path, json=json, headers={"Authorization": f"Bearer {token}"}
                )
                ok = r.status_code < 400
            except httpx.HTTPError:
                ok = False
            w.latencies.append(time.perf_counter() - t)
            w.errors += not ok

        async def schedule(rate: float, make: object) -> None:
            interval, n, tasks = 1 / rate, 0, set()
            while (now := time.monotonic()) < end:
                task = asyncio.create_task(make(n))  # type: ignore[operator]
                tasks.add(task)
                task.add_done_callback(tasks.discard)
                n += 1
                await asyncio.sleep(max(0.0, start + n * interval - now))
            await asyncio.gather(*tasks)

        async def sample() -> None:
            while time.monotonic() < end:
                w = window()
                for proc in workers(master):
                    w.rss_mb[proc.pid] = proc.memory_info().rss / 2**20
                await asyncio.sleep(5)

        def intake(n: int) -> object:
            token = tokens[n % len(tokens)]
            return one("POST", "/api/v1/dossiers", token, intake_bench.BODY)

        def read(_n: int) -> object:
            return one("GET", "/api/v1/reports/overdue?limit=50", reader)

        await asyncio.gather(
            schedule(args.intake_rate, intake), schedule(args.read_rate, read), sample()
        )
    return windows


def report(windows: list[Window], args: argparse.Namespace) -> bool:
    warm = max(1, int(args.warmup * 60 // args.window))
    steady = [w for w in windows[warm:] if w.latencies and w.rss_mb]
    if len(steady) < 2:
        raise SystemExit("too short a run for a verdict")
    pids = sorted({pid for w in steady for pid in w.rss_mb})
    growth = {
        pid: max(w.rss_mb.get(pid, 0) for w in steady[-3:]) / steady[0].rss_mb[pid] - 1
        for pid in pids
        if pid in steady[0].rss_mb
    }
    p99 = [w.pct(0.99) for w in steady]
    errors = sum(w.errors for w in windows)
    requests = sum(len(w.latencies) for w in windows)
    ok = max(growth.values()) <= 0.10 and max(p99) <= 2 * max(p99[0], 1) and errors == 0
    print(
        f"minutes={args.minutes} intake-rate={args.intake_rate}/s read-rate={args.read_rate}/s"
        f" window={args.window}s warm-up={args.warmup} min; {requests} requests, {errors} errors"
    )
    print("| worker | RSS after warm-up (MB) | RSS at the end (MB) | growth |")
    print("|---|---|---|---|")
    for pid, g in growth.items():
        first, last = steady[0].rss_mb[pid], steady[-1].rss_mb.get(pid, 0)
        print(f"| {pid} | {first:.1f} | {last:.1f} | {g * 100:+.1f} % |")
    print(
        f"p99 per window after warm-up: first {p99[0]:.0f} ms, median"
        f" {statistics.median(p99):.0f} ms, max {max(p99):.0f} ms; p50 median"
        f" {statistics.median(w.pct(0.5) for w in steady):.1f} ms"
    )
    print(f"verdict: {'PASS' if ok else 'FAIL'}")
    return ok


def write_outputs(windows: list[Window]) -> None:
    pids = sorted({pid for w in windows for pid in w.rss_mb})
    with (ROOT / "bench" / "soak.csv").open("w", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(
            ["minute", "requests", "errors", "p50_ms", "p99_ms", *(f"rss_mb_{p}" for p in pids)]
        )
        for w in windows:
            minute = (w.start - windows[0].start) / 60
            rss = [f"{w.rss_mb[p]:.1f}" if p in w.rss_mb else "" for p in pids]
            row = [
                f"{minute:.1f}",
                len(w.latencies),
                w.errors,
                f"{w.pct(0.5):.1f}",
                f"{w.pct(0.99):.1f}",
            ]
            out.writerow(row + rss)
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    minutes = [(w.start - windows[0].start) / 60 for w in windows]
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(9, 6), sharex=True)
    for n, pid in enumerate(pids, start=1):
        top.plot(minutes, [w.rss_mb.get(pid) for w in windows], label=f"worker {n}")
    top.set_ylabel("RSS (MB)")
    top.legend()
    bottom.plot(minutes, [w.pct(0.5) for w in windows], label="p50")
    bottom.plot(minutes, [w.pct(0.99) for w in windows], label="p99")
    bottom.set_ylabel("latency (ms)")
    bottom.set_xlabel("minutes")
    bottom.legend()
    fig.suptitle("onestop soak: counter intakes + overdue-list reads, 2 workers, PostgreSQL")
    fig.tight_layout()
    fig.savefig(ROOT / "bench" / "soak.png", dpi=110)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--minutes", type=float, default=30)
    parser.add_argument("--intake-rate", type=float, default=60, help="intakes per second")
    parser.add_argument("--read-rate", type=float, default=30, help="worklist reads per second")
    parser.add_argument("--window", type=int, default=30, help="seconds per window")
    parser.add_argument("--warmup", type=float, default=3, help="minutes left out of the verdict")
    args = parser.parse_args()

    asyncio.run(intake_bench.prepare_database())
    env = {
        "ONESTOP_DATABASE_URL": intake_bench.PG_URL,
        "ONESTOP_LOG_LEVEL": "WARNING",
        "ONESTOP_RUN_WORKER_IN_APP": "false",
        "ONESTOP_DB_POOL_SIZE": "16",
    }
    cmd = [*intake_bench.uvicorn_cmd("onestop.app:create_app", PORT), "--factory"]
    server = intake_bench.start(cmd, env)
    try:
        intake_bench.wait_ready(PORT, "/healthz")

        def token(name: str) -> str:
            form = {"username": name, "password": "onestop-demo"}
            return str(httpx.post(f"{BASE}/api/v1/auth/token", data=form).json()["access_token"])

        tokens = [token("clerk")] + [token(f"clerk{i:02d}") for i in range(12)]
        windows = asyncio.run(run_load(args, server.pid, tokens, token("leader")))
    finally:
        server.terminate()
        server.wait(timeout=30)
    write_outputs(windows)
    return 0 if report(windows, args) else 1


if __name__ == "__main__":
    raise SystemExit(main())
