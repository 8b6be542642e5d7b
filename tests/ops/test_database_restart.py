"""A database restart under load: 503 with Retry-After, never 500, and no connection reset.

A throwaway PostgreSQL cluster serves ``onestop serve`` (a subprocess, as in production); a few
clients send intakes and searches over keep-alive connections while the cluster is killed
(``pg_ctl stop -m immediate``: every backend gone at once) and started again. Every answer is
counted: none may be a 500, every failure must be a ``database-unavailable`` 503 with
``Retry-After``, no request may end in a transport error (a reset or closed connection), the
connections must be the same ones throughout, ``/readyz`` must say 503 while the database is down,
and requests must succeed again once it is back.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from tests.ops.postgres import Cluster, throwaway_cluster
from tests.ops.server import intake_body, login, prepare_demo, serve

CLIENTS = 6
PAUSE = 0.05  # between one client's requests: a few hundred requests in all
WARM, DOWN = 1.5, 2.5  # seconds before the stop, and with the database stopped
BACK = 1.5  # seconds of traffic once /readyz says the database is back
READY_LIMIT = 20.0  # seconds the restarted database may take to be ready


@dataclass
class Tally:
    phase: str = "warm"
    statuses: Counter[tuple[str, int]] = field(default_factory=Counter)
    improper: list[str] = field(default_factory=list)  # failures that are not a proper 503
    transport_errors: list[str] = field(default_factory=list)
    readyz: Counter[tuple[str, int]] = field(default_factory=Counter)
    connections: set[int] = field(default_factory=set)

    def count(self, resp: httpx.Response) -> None:
        self.statuses[self.phase, resp.status_code] += 1
        if resp.status_code >= 300:
            problem = resp.json() if resp.status_code >= 400 else {}
            proper = (
                resp.status_code == 503
                and resp.headers.get("retry-after", "").isdigit()
                and problem.get("type") == "/problems/database-unavailable"
            )
            if not proper:
                self.improper.append(f"{resp.status_code} {resp.text[:300]}")

    def of(self, phase: str) -> dict[int, int]:
        return {status: n for (p, status), n in self.statuses.items() if p == phase}


def _connections(client: httpx.AsyncClient) -> set[int]:
    pool: Any = client._transport._pool  # type: ignore[attr-defined]
    return {id(c) for c in pool.connections}


async def _client_loop(
    client: httpx.AsyncClient, headers: dict[str, str], tally: Tally, stop: asyncio.Event
) -> None:
    n = 0
    while not stop.is_set():
        n += 1
        try:
            if n % 2:
                body = intake_body(documents=[{"code": "TK", "quantity": 1}])
                resp = await client.post("/api/v1/dossiers", json=body, headers=headers)
            else:
                resp = await client.get("/api/v1/dossiers", params={"limit": 5}, headers=headers)
        except httpx.TransportError as exc:
            tally.transport_errors.append(f"{tally.phase}: {exc!r}")
        else:
            tally.count(resp)
        tally.connections |= _connections(client)
        await asyncio.sleep(PAUSE)


async def _readyz(client: httpx.AsyncClient, tally: Tally) -> int:
    try:
        status = (await client.get("/readyz")).status_code
    except httpx.TransportError as exc:
        tally.transport_errors.append(f"{tally.phase} /readyz: {exc!r}")
        return 0
    tally.readyz[tally.phase, status] += 1
    return status


async def _restart_under_load(base_url: str, cluster: Cluster, tally: Tally) -> None:
    headers = login(base_url)
    limits = httpx.Limits(max_connections=CLIENTS, max_keepalive_connections=CLIENTS)
    async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=30) as client:
        stop = asyncio.Event()
        loops = [
            asyncio.create_task(_client_loop(client, headers, tally, stop)) for _ in range(CLIENTS)
        ]
        try:
            await asyncio.sleep(WARM)
            tally.phase = "down"
            await asyncio.to_thread(cluster.stop, "immediate")
            await _readyz(client, tally)
            await asyncio.sleep(DOWN)
            tally.phase = "restarting"
            await asyncio.to_thread(cluster.start)
            for _ in range(int(READY_LIMIT / 0.2)):
                if await _readyz(client, tally) == 200:
                    break
                await asyncio.sleep(0.2)
            tally.phase = "back"
            await asyncio.sleep(BACK)
        finally:
            stop.set()
            await asyncio.gather(*loops)


def test_a_database_restart_is_503_with_retry_after_and_keeps_the_connections(
    tmp_path: Path,
) -> None:
    tally = Tally()
    with throwaway_cluster(start=False) as cluster:

        def prepare() -> None:  # while the server starts
            cluster.init()
            cluster.start()
            prepare_demo(cluster.url)

        with serve(cluster.url, tmp_path / "stderr.log", while_starting=prepare) as server:
            asyncio.run(_restart_under_load(server.base_url, cluster, tally))
            server.terminate()
    report = (
        f"statuses {dict(tally.statuses)}, readyz {dict(tally.readyz)},"
        f" {len(tally.transport_errors)} transport errors {tally.transport_errors[:3]},"
        f" {len(tally.improper)} improper answers {tally.improper[:3]}"
    )
    print(report)  # the counts, for the record (pytest -s)
    total = sum(tally.statuses.values())
    served_500 = sum(n for (_, status), n in tally.statuses.items() if status == 500)

    assert served_500 == 0, report
    assert tally.improper == [], report  # every failure a database-unavailable 503
    assert tally.transport_errors == [], report  # no connection reset or closed under a request
    assert len(tally.connections) <= CLIENTS, report  # the same keep-alive connections throughout
    assert total >= 100, report  # a few hundred on a quiet machine
    assert set(tally.of("warm")) == {200, 201}, report
    assert tally.of("down").get(503, 0) > 0, report  # the outage was seen...
    assert tally.readyz["down", 503] == 1, report  # ...by /readyz too
    assert tally.readyz["restarting", 200] == 1, report  # ready again after the restart
    assert set(tally.of("back")) == {200, 201}, report  # and requests succeed again

    lines = server.log_lines()
    assert [e for e in lines if e["level"] in ("ERROR", "CRITICAL")] == []
    warnings = [e for e in lines if e["level"] == "WARNING"]
    assert warnings and all("database unavailable" in e["msg"] for e in warnings)
    assert all("exc" not in e for e in warnings)  # a line each, no stack trace
