"""Soak: onestop under steady load for a long time — counter intakes at a fixed rate (half of the
measured capacity by default) plus officers' overdue-list reads — while the memory of each
server worker is sampled. Passes when, after the warm-up, each worker's RSS grows by at most 10 %,
p99 stays within 2× of the first window's, and no request fails.

    .venv/bin/python bench/soak_bench.py [--minutes 30] [--intake-rate 900] [--read-rate 100]

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
import json
import re
import statistics
import subprocess
import sys
import tempfile
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
BODY = intake_bench.BODY
BASE = f"http://127.0.0.1:{PORT}"


@dataclass
class Window:
    start: float  # seconds since the run began
    intake: dict[str, float] = field(default_factory=dict)
    reads: dict[str, float] = field(default_factory=dict)
    rss_mb: dict[int, float] = field(default_factory=dict)

    @property
    def errors(self) -> int:
        return int(self.intake.get("errors", 0) + self.reads.get("errors", 0))

    @property
    def requests(self) -> int:
        return int(self.intake.get("requests", 0) + self.reads.get("requests", 0))


def workers(master: int) -> list[psutil.Process]:
    return sorted(psutil.Process(master).children(recursive=True), key=lambda p: p.pid)


def paced_wrk(
    path: str, tokens: list[str], rate: float, seconds: int, body: object = None
) -> subprocess.Popen[str]:
    """wrk at about ``rate`` requests per second: each connection waits ``delay`` after every
    answer (wrk's Lua ``delay``), so the rate holds whatever the latency, like a steady counter
    hall rather than a flood."""
    conns = max(2, min(64, int(rate // 10)))
    lua = f"local pause = {conns / rate * 1000:.1f}\nfunction delay() return pause end\n"
    if body is not None:
        lua += "wrk.method = 'POST'\nwrk.body = [==[" + json.dumps(body, ensure_ascii=False)
        lua += "]==]\nwrk.headers['Content-Type'] = 'application/json'\n"
    lua += "local tokens = {" + ", ".join(f"'{t}'" for t in tokens) + "}\nlocal i = 0\n"
    lua += (
        "request = function()\n  i = i % #tokens + 1\n"
        "  wrk.headers['Authorization'] = 'Bearer ' .. tokens[i]\n"
        "  return wrk.format()\nend\n"
    )
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as fh:
        fh.write(lua)
    cmd = ["wrk", "-t1", f"-c{conns}", f"-d{seconds}s", "--latency", "-s", fh.name, BASE + path]
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)


def parsed(out: str) -> dict[str, float]:
    def ms(label: str) -> float:
        found = re.search(rf"{label}\s+([\d.]+)(us|ms|s)\b", out)
        if found is None:
            return 0.0
        return float(found.group(1)) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[found.group(2)]

    total = re.search(r"(\d+) requests in", out)
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    return {
        "requests": float(total.group(1)) if total else 0.0,
        "errors": float(bad.group(1) if bad else 0)
        + sum(map(float, errors.groups() if errors else ())),
        "p50": ms("50%"),
        "p99": ms("99%"),
    }


def run_load(args: argparse.Namespace, master: int, tokens: list[str], reader: str) -> list[Window]:
    windows: list[Window] = []
    for n in range(int(args.minutes * 60 // args.window)):
        w = Window(start=n * args.window)
        intake = paced_wrk("/api/v1/dossiers", tokens, args.intake_rate, args.window, BODY)
        reads = paced_wrk("/api/v1/reports/overdue?limit=50", [reader], args.read_rate, args.window)
        while intake.poll() is None:
            for proc in workers(master):
                w.rss_mb[proc.pid] = proc.memory_info().rss / 2**20
            time.sleep(2)
        w.intake = parsed(intake.communicate()[0])
        w.reads = parsed(reads.communicate()[0])
        windows.append(w)
        print(
            f"{(n + 1) * args.window / 60:5.1f} min:"
            f" intakes {w.intake['requests'] / args.window:.0f}/s"
            f" p99 {w.intake['p99']:.0f} ms, reads p99 {w.reads['p99']:.0f} ms,"
            f" errors {w.errors}, RSS {', '.join(f'{v:.0f}' for v in w.rss_mb.values())} MB",
            flush=True,
        )
    return windows


def report(windows: list[Window], args: argparse.Namespace) -> bool:
    warm = max(1, int(args.warmup * 60 // args.window))
    steady = [w for w in windows[warm:] if w.requests and w.rss_mb]
    if len(steady) < 2:
        raise SystemExit("too short a run for a verdict")
    workers_seen = [pid for pid in steady[0].rss_mb if steady[0].rss_mb[pid] > 50]  # not the master
    growth = {
        pid: max(w.rss_mb.get(pid, 0) for w in steady[-3:]) / steady[0].rss_mb[pid] - 1
        for pid in workers_seen
    }
    p99 = [w.intake["p99"] for w in steady]
    errors = sum(w.errors for w in windows)
    requests = sum(w.requests for w in windows)
    stable = statistics.median(p99[-5:]) <= 2 * max(statistics.median(p99[:5]), 1)
    ok = max(growth.values()) <= 0.10 and stable and errors == 0
    rate = statistics.median(w.intake["requests"] / args.window for w in steady)
    print(
        f"minutes={args.minutes} intake-rate={args.intake_rate}/s (held: {rate:.0f}/s)"
        f" read-rate={args.read_rate}/s window={args.window}s warm-up={args.warmup} min;"
        f" {requests} requests, {errors} errors"
    )
    print("| worker | RSS after warm-up (MB) | RSS at the end (MB) | growth |")
    print("|---|---|---|---|")
    for n, (pid, g) in enumerate(growth.items(), start=1):
        first, last = steady[0].rss_mb[pid], steady[-1].rss_mb.get(pid, 0)
        print(f"| {n} | {first:.1f} | {last:.1f} | {g * 100:+.1f} % |")
    print(
        "intake p99 per window after warm-up: median of the first five"
        f" {statistics.median(p99[:5]):.0f} ms,"
        f" of the last five {statistics.median(p99[-5:]):.0f} ms, max {max(p99):.0f} ms;"
        f" intake p50 median {statistics.median(w.intake['p50'] for w in steady):.1f} ms;"
        f" reads p99 median {statistics.median(w.reads['p99'] for w in steady):.0f} ms"
    )
    print(f"verdict: {'PASS' if ok else 'FAIL'}")
    return ok


def write_outputs(windows: list[Window]) -> None:
    pids = sorted({pid for w in windows for pid in w.rss_mb})
    with (ROOT / "bench" / "soak.csv").open("w", newline="") as fh:
        out = csv.writer(fh)
        head = ["minute", "intakes", "reads", "errors", "intake_p50_ms", "intake_p99_ms"]
        out.writerow([*head, "reads_p99_ms", *(f"rss_mb_{p}" for p in pids)])
        for w in windows:
            out.writerow(
                [
                    f"{(w.start + 0.0) / 60:.1f}",
                    int(w.intake.get("requests", 0)),
                    int(w.reads.get("requests", 0)),
                    w.errors,
                    f"{w.intake.get('p50', 0):.1f}",
                    f"{w.intake.get('p99', 0):.1f}",
                    f"{w.reads.get('p99', 0):.1f}",
                    *(f"{w.rss_mb[p]:.1f}" if p in w.rss_mb else "" for p in pids),
                ]
            )
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    minutes = [w.start / 60 for w in windows]
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(9, 6), sharex=True)
    for n, pid in enumerate(p for p in pids if max(w.rss_mb.get(p, 0) for w in windows) > 50):
        top.plot(minutes, [w.rss_mb.get(pid) for w in windows], label=f"worker {n + 1}")
    top.set_ylabel("RSS (MB)")
    top.set_ylim(bottom=0)
    top.legend()
    bottom.plot(minutes, [w.intake.get("p50", 0) for w in windows], label="intake p50")
    bottom.plot(minutes, [w.intake.get("p99", 0) for w in windows], label="intake p99")
    bottom.plot(minutes, [w.reads.get("p99", 0) for w in windows], label="overdue list p99")
    bottom.set_ylabel("latency (ms)")
    bottom.set_xlabel("minutes")
    bottom.legend()
    fig.suptitle("onestop soak: counter intakes + overdue-list reads, 2 workers, PostgreSQL")
    fig.tight_layout()
    fig.savefig(ROOT / "bench" / "soak.png", dpi=110)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--minutes", type=float, default=30)
    parser.add_argument(
        "--intake-rate", type=float, default=900, help="intakes per second (half of capacity)"
    )
    parser.add_argument(
        "--read-rate", type=float, default=100, help="overdue-list reads per second"
    )
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
        windows = run_load(args, server.pid, tokens, token("leader"))
    finally:
        server.terminate()
        server.wait(timeout=30)
    write_outputs(windows)
    return 0 if report(windows, args) else 1


if __name__ == "__main__":
    raise SystemExit(main())
