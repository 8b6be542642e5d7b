"""CPU per call to the national portal: the worker's client (``PortalClient``, on aiohttp) against
an ``httpx.AsyncClient`` posting the same bodies, the floor being aiohttp's bare ``ClientSession``.

    .venv/bin/python bench/portal_call_bench.py [--calls 400] [--rounds 3] [--in-flight 20]

Each call carries twenty records (``ONESTOP_DVCQG_RECORDS_PER_CALL``'s default) built by
``payload.dossier_record`` from a dossier received at the counter, as the worker sends them. The
portal is ``outbox_bench``'s fake one (answers every call in 50 ms), served by a child process so
that its CPU is not counted: the figure is this process's CPU time per call, ``--in-flight`` calls
at a time, the three clients alternated in each round. Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import statistics
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import aiohttp
import httpx
import orjson

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from onestop.dossiers.states import Status  # noqa: E402
from onestop.integration.dvcqg import payload  # noqa: E402
from onestop.integration.dvcqg.client import PortalClient  # noqa: E402

PORT = 8197
RECORDS_PER_CALL = 20
SERVE_PORTAL = f"""
import asyncio, sys
sys.path.insert(0, {str(ROOT)!r})
from bench import outbox_bench as ob

async def main():
    server = await asyncio.start_server(ob.Portal().handle, "127.0.0.1", {PORT}, backlog=1024)
    await server.serve_forever()

asyncio.run(main())
"""


def body() -> dict[str, Any]:
    """A ``DongBoHoSoMC`` call of twenty records of dossiers just received at the counter."""
    at = dt.datetime(2026, 12, 7, 2, 15, tzinfo=dt.UTC)
    records = []
    for n in range(RECORDS_PER_CALL):
        facts = payload.DossierFacts(
            code=f"000.01.23.H99-261207-{n:04d}",
            procedure_code="1.004746",
            procedure_name="Đăng ký khai sinh",
            field_code="HT",
            field_name="Hộ tịch",
            channel="counter",
            applicant_kind="citizen",
            applicant_name="Nguyễn Thị Minh Khai",
            applicant_id_number="001190012345",
            applicant_phone="0912345678",
            applicant_email=None,
            submitted_at=at,
            return_method="counter",
            competent_unit="UBND xã Minh Khai",
            receiving_unit="UBND xã Minh Khai",
        )
        event = payload.EventFacts(
            1, "receive", at, Status.RECEIVED, {"due_at": "2026-12-18T17:00:00+07:00"}
        )
        records.append(payload.dossier_record(facts, [event]))
    return {"service": payload.SYNC_SERVICE, "isUpdating": "False", "data": records}


async def cpu_per_call(post: Callable[[], Awaitable[None]], calls: int, in_flight: int) -> float:
    """Milliseconds of this process's CPU per call, ``in_flight`` at a time."""
    gate = asyncio.Semaphore(in_flight)

    async def one() -> None:
        async with gate:
            await post()

    await asyncio.gather(*(one() for _ in range(in_flight)))  # connections opened
    start = time.process_time()
    await asyncio.gather(*(one() for _ in range(calls)))
    return 1000 * (time.process_time() - start) / calls


async def measure(kind: str, data: dict[str, Any], args: argparse.Namespace) -> float:
    url = f"http://127.0.0.1:{PORT}/dvcqg"
    if kind == "PortalClient (aiohttp)":
        client = PortalClient(url, timeout=10)
        try:
            return await cpu_per_call(lambda: client.post(data), args.calls, args.in_flight)
        finally:
            await client.aclose()
    raw = orjson.dumps(data)
    headers = {"Content-Type": "application/json"}
    if kind == "httpx.AsyncClient":
        limits = httpx.Limits(max_connections=64, max_keepalive_connections=64)
        async with httpx.AsyncClient(timeout=10, limits=limits) as http:

            async def post_httpx() -> None:
                (await http.post(url, content=raw, headers=headers)).json()

            return await cpu_per_call(post_httpx, args.calls, args.in_flight)
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=64)) as session:

        async def post_aiohttp() -> None:
            async with session.post(url, data=raw, headers=headers) as response:
                orjson.loads(await response.read())

        return await cpu_per_call(post_aiohttp, args.calls, args.in_flight)


KINDS = ("httpx.AsyncClient", "PortalClient (aiohttp)", "aiohttp.ClientSession (floor)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--calls", type=int, default=400)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--in-flight", type=int, default=20)
    args = parser.parse_args()
    portal = subprocess.Popen([sys.executable, "-c", SERVE_PORTAL])
    try:
        time.sleep(1.0)
        data = body()
        figures: dict[str, list[float]] = {kind: [] for kind in KINDS}
        for _ in range(args.rounds):
            for kind in KINDS:
                figures[kind].append(asyncio.run(measure(kind, data, args)))
    finally:
        portal.terminate()
        portal.wait(timeout=10)
    size = len(orjson.dumps(data))
    print(f"calls={args.calls} in flight={args.in_flight} body={size:,} bytes")
    print("| client | CPU ms per call (median) | per round | ratio to the floor |")
    print("|---|---|---|---|")
    floor = statistics.median(figures[KINDS[-1]])
    for kind, values in figures.items():
        median = statistics.median(values)
        rounds = ", ".join(f"{v:.3f}" for v in values)
        print(f"| {kind} | {median:.3f} | {rounds} | {median / floor:.1f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
