"""One intake retried concurrently (same Idempotency-Key, same portal reference, as an API client)
gets the stored 201 replay while its twin commits — never a 409 about its own dossier — on the
fast path and on the documented route alike: in one process (requests interleaved in one event
loop) and across two worker processes of a real server."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.dossiers.conftest import Headers, intake_body, table_counts
from tests.factories import World

from onestop.core.settings import Settings

URL = "/api/v1/dossiers"
ROUNDS = 100
TWINS = 8
#: The fast path takes ``application/json``; another JSON media type reaches the documented route.
MEDIA = ("application/json", "application/vnd.onestop+json")
ROOT = Path(__file__).resolve().parents[2]

Post = Callable[[str, bytes, dict[str, str]], Awaitable[httpx.Response]]


def wrong_answers(responses: list[httpx.Response]) -> list[str]:
    """What is wrong with one round: every answer a 201 with one code, exactly one not replayed."""
    wrong = [f"{r.status_code} {r.text[:160]}" for r in responses if r.status_code != 201]
    if wrong:
        return wrong
    codes = {r.json()["code"] for r in responses}
    replayed = Counter(r.headers.get("idempotent-replayed", "") for r in responses)
    if len(codes) != 1:
        wrong.append(f"codes {sorted(codes)}")
    if replayed != Counter({"": 1, "true": len(responses) - 1}):
        wrong.append(f"replayed {dict(replayed)}")
    return wrong


async def rounds(post: Post, portal: dict[str, str]) -> list[str]:
    """``ROUNDS`` rounds of ``TWINS`` identical intakes sent at once (every fourth with the
    portal's code as well); the wrong answers."""

    async def one(round_no: int, twin: int) -> httpx.Response:
        body = intake_body(receiving_unit="000.00.01.H99", portal_ref=f"DVC-RACE-{round_no:03d}")
        if round_no % 4 == 3:  # the portal's own code too: the plain statements, not the group
            body["code"] = f"G09.20-20260310-{round_no:07d}"
        headers = {
            **portal,
            "Idempotency-Key": f"race-{round_no:03d}",
            "Content-Type": MEDIA[(round_no + twin) % 2],
        }
        return await post(URL, httpx.Request("POST", "/", json=body).content, headers)

    wrong: list[str] = []
    for round_no in range(ROUNDS):
        responses = await asyncio.gather(*(one(round_no, t) for t in range(TWINS)))
        wrong += [f"round {round_no}: {w}" for w in wrong_answers(list(responses))]
    return wrong


async def test_concurrent_retries_get_the_stored_replay(
    client: httpx.AsyncClient, world: World, auth: Headers, app: Any
) -> None:
    async def post(url: str, content: bytes, headers: dict[str, str]) -> httpx.Response:
        return await client.post(url, content=content, headers=headers)

    wrong = await rounds(post, auth("portal"))
    assert wrong == [], f"{len(wrong)} wrong answers of {ROUNDS * TWINS}: {wrong[:5]}"
    assert (await table_counts(app))["dossier"] == ROUNDS


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def two_workers(settings: Settings, frozen_now: dt.datetime, tmp_path: Path) -> Iterator[str]:
    """A uvicorn server with two worker processes on the test database; its base URL."""
    port = _free_port()
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "ONESTOP_DATABASE_URL": settings.database_url,
        "ONESTOP_SECRET_KEY": settings.secret_key,
        "ONESTOP_ENVIRONMENT": "test",
        "ONESTOP_RUN_WORKER_IN_APP": "false",
        "ONESTOP_DB_POOL_SIZE": "5",
        "ONESTOP_LOG_LEVEL": "WARNING",
        "ONESTOP_TEST_NOW": frozen_now.isoformat(),
    }
    log_path = tmp_path / "server.log"
    with log_path.open("w") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "tests.dossiers.serve_workers", str(port), "2"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=log,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 600  # two processes import the app: slow on a busy host
            while True:
                try:
                    if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"exit {proc.returncode}: {log_path.read_text()}")
                time.sleep(0.2)
            yield base
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


@pytest.mark.slow
async def test_concurrent_retries_across_two_worker_processes(
    world: World, auth: Headers, app: Any, two_workers: str
) -> None:
    limits = httpx.Limits(max_connections=TWINS * 2)
    async with httpx.AsyncClient(base_url=two_workers, limits=limits, timeout=30) as http:

        async def post(url: str, content: bytes, headers: dict[str, str]) -> httpx.Response:
            return await http.post(url, content=content, headers=headers)

        wrong = await rounds(post, auth("portal"))
    assert wrong == [], f"{len(wrong)} wrong answers of {ROUNDS * TWINS}: {wrong[:5]}"
    assert (await table_counts(app))["dossier"] == ROUNDS
