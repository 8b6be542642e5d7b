"""Document upload benchmark, end to end over HTTP on local storage.

    .venv/bin/python bench/documents_bench.py [-n 30] [--size-mb 10] [--repeat 20]

Starts onestop under uvicorn (one worker) on a migrated SQLite file with the demo province, its
documents in a fresh local directory, logs in as the demo clerk and:

1. uploads N different PDFs of ``--size-mb`` MB each (random bytes in an attachment stream, so
   nothing compresses and every upload is new content), each to its own dossier, and times each
   request from the client (multipart body sent, content sniffed, PDF parsed, SHA-256, object
   written, row and event committed, JSON answered). Target: p95 ≤ 300 ms.
2. uploads one 1 MB PDF ``--repeat`` times, each to another dossier, and shows the bytes sent
   against the bytes stored: content-addressed storage keeps one object.

Prints Markdown ready for bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from pypdf import PdfWriter

from onestop.demo.seed import DEMO_PASSWORD

TARGET_P95_MS = 300.0
PROCEDURE = "1.004746"  # Phiếu lý lịch tư pháp (component TK)


def pdf_of(size: int) -> bytes:
    """A valid PDF of about ``size`` bytes: one page and incompressible bytes attached."""
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    writer.add_attachment("scan.bin", os.urandom(size))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _cli(env: dict[str, str], cwd: Path, *args: str) -> None:
    subprocess.run(
        [sys.executable, "-m", "onestop.cli", *args],
        env=env,
        cwd=cwd,
        check=True,
        capture_output=True,
    )


def start(folder: Path) -> tuple[subprocess.Popen[bytes], str, Path]:
    storage = folder / "documents"
    env = {
        **os.environ,
        "ONESTOP_DATABASE_URL": f"sqlite+aiosqlite:///{folder / 'onestop.db'}",
        "ONESTOP_STORAGE_DIR": str(storage),
        "ONESTOP_RUN_WORKER_IN_APP": "false",
        "ONESTOP_LOG_LEVEL": "WARNING",
    }
    _cli(env, folder, "migrate")
    _cli(env, folder, "seed-demo")
    port = _free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "onestop.app:create_app",
            "--factory",
            "--port",
            str(port),
            "--log-level",
            "warning",
            "--no-access-log",
        ],
        env=env,
        cwd=folder,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                return proc, base, storage
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError("the server did not start")


def login(client: httpx.Client) -> None:
    resp = client.post("/api/v1/auth/token", data={"username": "clerk", "password": DEMO_PASSWORD})
    resp.raise_for_status()
    client.headers["Authorization"] = f"Bearer {resp.json()['access_token']}"


def new_dossier(client: httpx.Client) -> str:
    resp = client.post(
        "/api/v1/dossiers",
        json={
            "procedure": PROCEDURE,
            "applicant": {"name": "Nguyễn Văn Bench", "id_number": "001203004567"},
            "documents": [{"code": "TK"}],
        },
    )
    resp.raise_for_status()
    return str(resp.json()["code"])


def upload(client: httpx.Client, code: str, data: bytes) -> tuple[float, int]:
    start = time.perf_counter()
    resp = client.post(
        f"/api/v1/dossiers/{code}/documents",
        files={"file": ("scan.pdf", data, "application/pdf")},
        data={"component": "TK", "digitised_at_counter": "true"},
    )
    elapsed = (time.perf_counter() - start) * 1000
    if resp.status_code not in (200, 201):
        raise RuntimeError(resp.text)
    return elapsed, resp.status_code


def stored_bytes(storage: Path) -> tuple[int, int]:
    files = [p for p in storage.glob("??/??/*") if p.is_file()]
    return len(files), sum(p.stat().st_size for p in files)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("-n", type=int, default=30, help="uploads timed")
    parser.add_argument("--size-mb", type=float, default=10.0)
    parser.add_argument("--repeat", type=int, default=20, help="uploads of the same file")
    args = parser.parse_args()
    size = int(args.size_mb * 1024 * 1024)
    with tempfile.TemporaryDirectory(prefix="onestop-docs-bench-") as tmp:
        folder = Path(tmp)
        proc, base, storage = start(folder)
        try:
            with httpx.Client(base_url=base, timeout=60) as client:
                login(client)
                bodies = [pdf_of(size) for _ in range(args.n + 1)]
                codes = [new_dossier(client) for _ in range(args.n + 1)]
                upload(client, codes[0], bodies[0])  # warm-up, not counted
                samples = [
                    upload(client, c, b)[0] for c, b in zip(codes[1:], bodies[1:], strict=True)
                ]
                same = pdf_of(1024 * 1024)
                repeat_codes = [new_dossier(client) for _ in range(args.repeat)]
                before = stored_bytes(storage)
                statuses = [upload(client, c, same)[1] for c in repeat_codes]
                after = stored_bytes(storage)
        finally:
            proc.terminate()
            proc.wait(timeout=10)
    p50 = statistics.median(samples)
    p95 = statistics.quantiles(samples, n=100, method="inclusive")[94]
    verdict = "PASS" if p95 <= TARGET_P95_MS else "FAIL"
    when = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")  # noqa: TID251 - a report
    print(
        f"{when}; {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs,"
        f" Python {platform.python_version()}; load average"
        f" {os.getloadavg()[0]:.1f}; body {len(bodies[1]):,} bytes\n"
    )
    print("| uploads | p50 ms | p95 ms | max ms | target p95 | verdict |")
    print("|---|---|---|---|---|---|")
    print(
        f"| {len(samples)} × {args.size_mb:g} MB PDF | {p50:.1f} | {p95:.1f} |"
        f" {max(samples):.1f} | ≤ {TARGET_P95_MS:.0f} | {verdict} |\n"
    )
    sent = len(same) * args.repeat
    print("| same 1 MB PDF uploaded | bytes sent | objects added | bytes stored added | rows |")
    print("|---|---|---|---|---|")
    print(
        f"| {args.repeat} times (to {args.repeat} dossiers) | {sent:,} |"
        f" {after[0] - before[0]} | {after[1] - before[1]:,} |"
        f" {statuses.count(201)} new |"
    )
    return 0 if verdict == "PASS" else 1


if __name__ == "__main__":
    sys.exit(main())
