"""SIGTERM under load: the requests in flight finish, and no acknowledged intake is lost.

``onestop serve`` (two worker processes, as the container runs several) receives intakes from
many clients over keep-alive connections on a demo SQLite database; SIGTERM comes midway, as
``docker stop`` sends it. Each intake carries its own Idempotency-Key, so the database says which
were written. Then: every intake answered 201 has its dossier; every request in flight when the
signal came was answered — or, if its connection closed first, was never processed (its key is
not in the database); and the server finished its shutdown by itself.
"""

from __future__ import annotations

import asyncio
import signal
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from tests.ops.server import Server, intake_body, login, prepare_demo, serve

CLIENTS = 16
LOAD_BEFORE = 1.5  # seconds of intakes before SIGTERM
LIMIT = 60.0  # seconds the whole run may take, as a bound on the loops


@dataclass
class Attempt:
    key: str
    sent: float
    done: float = 0.0
    status: int | None = None
    error: str | None = None


async def _client_loop(
    client: httpx.AsyncClient, headers: dict[str, str], name: str, attempts: list[Attempt]
) -> None:
    body = intake_body(documents=[{"code": "TK", "quantity": 1}])
    deadline = time.monotonic() + LIMIT
    for n in range(10_000):
        attempt = Attempt(f"{name}-{n}", time.monotonic())
        attempts.append(attempt)
        try:
            resp = await client.post(
                "/api/v1/dossiers", json=body, headers={**headers, "Idempotency-Key": attempt.key}
            )
        except httpx.TransportError as exc:  # the server is going away: this client stops
            attempt.error, attempt.done = repr(exc), time.monotonic()
            return
        attempt.status, attempt.done = resp.status_code, time.monotonic()
        if time.monotonic() > deadline:
            return


async def _load_and_terminate(server: Server, attempts: list[Attempt]) -> float:
    """Intakes from every client; SIGTERM after a while; the instant it was sent."""
    headers = login(server.base_url)
    limits = httpx.Limits(max_connections=CLIENTS, max_keepalive_connections=CLIENTS)
    async with httpx.AsyncClient(base_url=server.base_url, limits=limits, timeout=60) as client:
        loops = [
            asyncio.create_task(_client_loop(client, headers, f"c{i}", attempts))
            for i in range(CLIENTS)
        ]
        await asyncio.sleep(LOAD_BEFORE)
        sigterm_at = time.monotonic()
        server.proc.send_signal(signal.SIGTERM)
        await asyncio.gather(*loops)
    return sigterm_at


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("ops-shutdown") / "onestop.db"
    prepare_demo(f"sqlite+aiosqlite:///{path}")
    return path


def test_sigterm_under_load_finishes_in_flight_requests_and_loses_no_intake(
    demo_db: Path, tmp_path: Path
) -> None:
    attempts: list[Attempt] = []
    url = f"sqlite+aiosqlite:///{demo_db}"
    with serve(url, tmp_path / "stderr.log", args=("--workers", "2")) as server:
        sigterm_at = asyncio.run(_load_and_terminate(server, attempts))
        exit_code = server.proc.wait(LIMIT)

    with sqlite3.connect(demo_db) as db:  # read back by another process than the server's
        stored = {key for (key,) in db.execute("SELECT key FROM idempotency_key")}
    acknowledged = {a.key for a in attempts if a.status == 201}
    in_flight = [a for a in attempts if a.sent < sigterm_at < a.done]
    cut = [a for a in in_flight if a.error is not None]
    report = (
        f"{len(attempts)} intakes: {len(acknowledged)} acknowledged, {len(stored)} stored;"
        f" {len(in_flight)} in flight at SIGTERM, {sum(a.status == 201 for a in in_flight)}"
        f" answered 201, {len(cut)} cut: {[a.error for a in cut][:3]}"
    )
    print(report)  # the counts, for the record (pytest -s)

    assert acknowledged - stored == set(), report  # no acknowledged intake lost
    assert len(acknowledged) >= CLIENTS, report
    assert {a.status for a in attempts if a.status is not None} == {201}, report
    assert [a for a in in_flight if a.status == 201], report  # answered after the signal...
    assert [a.key for a in cut if a.key in stored] == [], report  # ...or never processed
    # A graceful exit: the supervisor of several workers returns 0; a single worker raises the
    # signal again once done.
    assert exit_code in (0, -signal.SIGTERM), exit_code
    lines = server.log_lines()
    assert [e for e in lines if e["level"] in ("ERROR", "CRITICAL")] == []
    assert any(e["msg"].startswith("Finished server process") for e in lines)


def test_a_request_stuck_past_the_graceful_timeout_does_not_hold_up_the_exit(
    demo_db: Path, tmp_path: Path
) -> None:
    """``--graceful-timeout`` bounds the wait: a request that never ends is answered 503 then
    and the process exits; without the bound it would wait for that request until killed (by
    ``docker stop`` after 10 s, every request still in flight cut with it)."""
    mark = tmp_path / "hanging"
    url = f"sqlite+aiosqlite:///{demo_db}"
    body = intake_body(documents=[{"code": "TK", "quantity": 1}])

    async def run(server: Server) -> httpx.Response | BaseException:
        headers = login(server.base_url)
        async with httpx.AsyncClient(base_url=server.base_url, timeout=60) as client:
            stuck = asyncio.create_task(
                client.post("/api/v1/dossiers", json={**body, "note": "hang"}, headers=headers)
            )
            for _ in range(300):  # until the server is inside the stuck request
                if mark.exists():
                    break
                await asyncio.sleep(0.1)
            server.proc.send_signal(signal.SIGTERM)
            return (await asyncio.gather(stuck, return_exceptions=True))[0]

    with serve(
        url,
        tmp_path / "stderr.log",
        command=("tests/ops/faulty_serve.py",),
        args=("--graceful-timeout", "1"),
        env={"ONESTOP_TEST_HANG_MARK": str(mark)},
    ) as server:
        stuck = asyncio.run(run(server))
        exit_code = server.proc.wait(30)  # without the bound: never

    assert exit_code in (0, -signal.SIGTERM)
    assert isinstance(stuck, httpx.Response), stuck  # answered, not cut
    assert stuck.status_code == 503 and stuck.headers["retry-after"].isdigit()
    assert stuck.json()["type"] == "/problems/server-shutting-down"
    lines = server.log_lines()
    assert any("timeout graceful shutdown exceeded" in e["msg"] for e in lines)  # uvicorn's
    assert [e["msg"] for e in lines if e.get("request_id") == stuck.headers["x-request-id"]] == [
        "request cancelled on POST /api/v1/dossiers: the server is shutting down",
        "request",  # the access line
    ]
