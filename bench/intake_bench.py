"""Intake throughput: onestop's POST /api/v1/dossiers (counter intake, authenticated, PostgreSQL,
2 Uvicorn workers) against a bare raw-asyncpg insert of the same row, alternated in one run; with
``--outbox``, also onestop with its outbox working against onestop with it idle, paired in each
round (the product target: with the outbox on, at least 0.9× the throughput with it off).

    .venv/bin/python bench/intake_bench.py [--rounds 3] [--duration 10] [--connections 32] \
        [--counters 1] [--outbox [--burner]]

Needs wrk (Debian package) and PostgreSQL on 127.0.0.1:5432 (or BENCH_PG_URL). It recreates the
database ``onestop_bench``, migrates it, seeds the demo province and prints a Markdown table.

Every intake writes its ``dossier_event`` row either way. "Outbox off" runs no integration worker:
nothing relays or delivers the events. "Outbox on" runs one worker process (``onestop worker``:
its integration pass relays, then delivers, round after round) with ``ONESTOP_DVCQG_URL`` at
``outbox_bench``'s fake national portal (answers in 50 ms), served from a thread of this process
at the lowest CPU priority (it stands for a remote system, whose CPU is not this machine's).
``outbox_bench.analyze_often`` stands in for autovacuum's ANALYZE during the whole run, off and
on windows alike, as autovacuum would (the machine's PostgreSQL runs without it). Before each
"on" window the portal's relay position goes to the end of the feed and what an earlier window
left pending is dropped (the worker sends only what this window writes); one intake proves the
worker is up.
After the window the run waits up to ``DRAIN_WAIT`` s for the portal to take every intake of it.
Every window (off, on, burner, raw) starts from a PostgreSQL checkpoint (``checkpoint``), so none
of them is the one that happens to follow a checkpoint and write its pages whole into the WAL.

Without ``--outbox`` the run is what it was: each round, onestop (no worker), then raw. With it, a
discarded ``WARM_UP`` s of wrk warms onestop up, then each round measures off and on (off first in
odd rounds, on first in even ones, so the growing tables weigh on both alike), then raw. A second
table gives, per round, req/s off and on, their ratio, the intakes of the "on" window, the records
the portal took during it and in all, and the seconds to drain; a third, what each window cost
in CPU per intake — the machine's, PostgreSQL's, the worker's — and how busy the machine was
(the on/off ratio swings from round to round on a shared machine; these say where the difference
went). The run exits 1 when the median ratio on/off is below ``TARGET_RATIO``.

With ``--burner`` each round has a third onestop window, beside a process that only burns CPU
(``cpu_burner.py``) at the worker's nice level and at the pace the worker used in the latest "on"
window: the ratio burner/off is the floor of what background work of the worker's CPU cost takes
from the intake on this machine, whatever that work is. Even rounds measure off, on, burner; odd
rounds the other way round.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import outbox_bench as ob  # noqa: E402  (the fake portal, the worker process)

VENV_BIN = Path(sys.executable).parent
PG_URL = os.environ.get(
    "BENCH_PG_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/onestop_bench"
)
DSN = PG_URL.replace("postgresql+asyncpg://", "postgresql://")
ONESTOP_PORT, RAW_PORT = 8101, 8102
TARGET_RATIO = 0.9
#: Seconds of the discarded wrk run before the rounds, with ``--outbox``.
WARM_UP = 3
#: The fake portal's thread's nice level (the lowest priority).
PORTAL_NICE = 19
#: Seconds for a new worker process to deliver its first intake.
WORKER_START_WAIT = 30.0
#: Seconds after an "on" window for the portal to take the window's intakes.
DRAIN_WAIT = 30.0

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
    import asyncpg  # type: ignore[import-untyped]

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


# --- the outbox on: the fake portal and one worker ------------------------------------------


class PortalThread:
    """``outbox_bench.Portal`` served by its own event loop in a daemon thread, while this process
    waits on wrk."""

    def __init__(self) -> None:
        self.portal = ob.Portal()
        self.loop = asyncio.new_event_loop()
        self.port = 0
        started = threading.Event()
        threading.Thread(target=self._serve, args=(started,), daemon=True).start()
        if not started.wait(10):
            raise SystemExit("the fake portal did not start")

    def _serve(self, started: threading.Event) -> None:
        # The national portal runs elsewhere: here it takes only what the intake leaves.
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), PORTAL_NICE)
        asyncio.set_event_loop(self.loop)
        server = self.loop.run_until_complete(
            asyncio.start_server(self.portal.handle, "127.0.0.1", 0, backlog=1024)
        )
        self.port = server.sockets[0].getsockname()[1]
        started.set()
        self.loop.run_forever()

    def records(self) -> int:
        """Dossier records taken so far (counted on the portal's loop)."""

        async def count() -> int:
            return sum(len(taken) for taken in self.portal.records.values())

        return asyncio.run_coroutine_threadsafe(count(), self.loop).result(timeout=10)

    @contextlib.contextmanager
    def analyzing(self) -> Iterator[None]:
        """``outbox_bench.analyze_often`` on the portal's loop meanwhile (autovacuum's ANALYZE of
        the fast-growing outbox and event log, whose statistics the worker's claim plans from,
        which runs whether the worker does or not)."""
        stop = asyncio.Event()
        done = asyncio.run_coroutine_threadsafe(ob.analyze_often(stop), self.loop)
        try:
            yield
        finally:
            self.loop.call_soon_threadsafe(stop.set)
            done.result(timeout=30)

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)


async def restart_relay() -> None:
    """Put the portal's relay position at the end of the feed, and drop what an earlier window
    left undelivered (it did not drain, and is reported so): the worker sends only what the next
    window writes."""
    import asyncpg

    from onestop.core import clock
    from onestop.core.db import make_engine
    from onestop.core.settings import Settings
    from onestop.integration import relay
    from onestop.wiring import make_sessionmaker

    engine = make_engine(Settings(database_url=PG_URL))
    async with make_sessionmaker(engine)() as session:
        await relay.start_at_end(session, "dvcqg", clock.now())
        await session.commit()
    await engine.dispose()
    conn = await asyncpg.connect(DSN)
    await conn.execute("DELETE FROM outbox_message WHERE state = 'pending'")
    await conn.close()


def count_dossiers() -> int:
    async def fetch() -> int:
        import asyncpg

        conn = await asyncpg.connect(DSN)
        try:
            return int(await conn.fetchval("SELECT count(*) FROM dossier"))
        finally:
            await conn.close()

    return asyncio.run(fetch())


def checkpoint() -> None:
    """A PostgreSQL checkpoint, so that every window starts at the same place in the checkpoint
    cycle. The intake writes some 6 MB of WAL a second, so a checkpoint starts every minute and a
    half (``max_wal_size``), and the window that follows one writes every page it touches whole
    into the WAL again: which window that is, is chance, and it weighed more on the ratio of a
    round than the worker did (the burner's ratio, which touches no database, ranged from 0.77
    to 1.09 between rounds)."""

    async def run() -> None:
        import asyncpg

        conn = await asyncpg.connect(DSN)
        try:
            await conn.execute("CHECKPOINT")
        finally:
            await conn.close()

    asyncio.run(run())


def machine_cpu_seconds() -> tuple[float, float]:
    """CPU seconds the whole machine has spent busy and in all, so far (Linux ``/proc/stat``)."""
    fields = [int(f) for f in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    idle = fields[3] + fields[4]  # idle, iowait
    tick = os.sysconf("SC_CLK_TCK")
    return (sum(fields) - idle) / tick, sum(fields) / tick


def wrk_with_cpu(
    tokens: list[str], args: argparse.Namespace, worker_pid: int | None = None
) -> dict[str, float]:
    """``wrk`` on the intake, from a fresh checkpoint, with the CPU the window cost per intake:
    the machine's, PostgreSQL's (all its processes) and the worker's (``cpu_ms``, ``pg_ms``,
    ``worker_ms``), and how busy the machine was (``busy``: a share of all its cores)."""
    checkpoint()
    busy0, all0 = machine_cpu_seconds()
    pg0 = ob.postgres_cpu_seconds()
    worker0 = ob.cpu_seconds(worker_pid) if worker_pid else 0.0
    result = wrk(ONESTOP_PORT, "/api/v1/dossiers", tokens, args.duration, args.connections)
    busy1, all1 = machine_cpu_seconds()
    intakes = max(result["rps"] * args.duration, 1.0)
    worker = (ob.cpu_seconds(worker_pid) - worker0) if worker_pid else 0.0
    return {
        **result,
        "cpu_ms": 1000 * (busy1 - busy0) / intakes,
        "pg_ms": 1000 * (ob.postgres_cpu_seconds() - pg0) / intakes,
        "worker_ms": 1000 * worker / intakes,
        "busy": (busy1 - busy0) / max(all1 - all0, 1e-9),
    }


@contextlib.contextmanager
def integration_worker(portal_port: int, nice: int) -> Iterator[int]:
    """One ``onestop worker`` process on this run's database; its pid."""
    worker = ob.start_workers(1, portal_port, nice)[0]
    try:
        yield worker.pid
    finally:
        worker.terminate()
        worker.wait(timeout=20)


def wait_until(done: Callable[[], bool], seconds: float) -> float | None:
    """Seconds until ``done()`` held, or None if it did not within ``seconds``."""
    start = time.monotonic()
    while time.monotonic() - start < seconds:
        if done():
            return time.monotonic() - start
        time.sleep(0.2)
    return None


def post_intake(token: str) -> None:
    answer = httpx.post(
        f"http://127.0.0.1:{ONESTOP_PORT}/api/v1/dossiers",
        json=BODY,
        headers={"Authorization": f"Bearer {token}"},
    )
    if answer.status_code != 201:
        raise SystemExit(f"intake failed: {answer.status_code} {answer.text}")


def measure_outbox_on(
    portal: PortalThread, tokens: list[str], args: argparse.Namespace
) -> dict[str, float]:
    """wrk on the intake with one worker relaying and delivering to the portal; then how many
    intakes the window wrote and how many records the portal took during it and by the end of
    the drain (``drain_s`` is NaN when it did not drain in ``DRAIN_WAIT`` s)."""
    asyncio.run(restart_relay())
    with integration_worker(portal.port, args.worker_nice) as worker_pid:
        before_probe = portal.records()
        post_intake(tokens[0])
        if wait_until(lambda: portal.records() > before_probe, WORKER_START_WAIT) is None:
            raise SystemExit("the integration worker delivered nothing to the fake portal")
        dossiers, taken = count_dossiers(), portal.records()
        result = wrk_with_cpu(tokens, args, worker_pid)
        during = portal.records() - taken
        time.sleep(0.5)  # the requests wrk left in flight commit
        written = count_dossiers() - dossiers
        drain = wait_until(lambda: portal.records() - taken >= written, DRAIN_WAIT)
        delivered = portal.records() - taken
    return {
        **result,
        "written": written,
        "during": during,
        "delivered": delivered,
        "drain_s": float("nan") if drain is None else drain,
    }


def measure_burner(tokens: list[str], cores: float, args: argparse.Namespace) -> dict[str, float]:
    """wrk on the intake beside ``cpu_burner.py`` asking for ``cores`` at the worker's nice
    level (its CPU per intake in ``worker_ms``)."""
    script = str(ROOT / "bench" / "cpu_burner.py")
    burner = subprocess.Popen(
        ["nice", "-n", str(args.worker_nice), sys.executable, script, f"{cores:.4f}"]
    )
    try:
        time.sleep(0.5)
        return {**wrk_with_cpu(tokens, args, burner.pid), "cores": cores}
    finally:
        burner.kill()
        burner.wait(timeout=20)


def worker_cores(on: dict[str, float]) -> float:
    """The share of one core the worker used in an "on" window."""
    return on["worker_ms"] * on["rps"] / 1000


# --- the run --------------------------------------------------------------------------------


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
    parser.add_argument(
        "--outbox",
        action="store_true",
        help="also measure onestop with one integration worker delivering to a fake portal"
        " (outbox on) against no worker (off), paired in each round",
    )
    parser.add_argument(
        "--burner",
        action="store_true",
        help="with --outbox, also measure onestop beside a process burning the CPU the worker"
        " used, at its nice level (the floor of any background work of that cost)",
    )
    parser.add_argument(
        "--worker-nice",
        type=int,
        default=ob.WORKER_NICE,
        help="the worker's nice level with --outbox (the README's unit: 19)",
    )
    args = parser.parse_args()
    if args.burner and not args.outbox:
        parser.error("--burner needs --outbox")

    asyncio.run(prepare_database())
    env = {
        "ONESTOP_DATABASE_URL": PG_URL,
        "ONESTOP_LOG_LEVEL": "WARNING",
        "ONESTOP_RUN_WORKER_IN_APP": "false",
        "ONESTOP_DB_POOL_SIZE": "16",  # 32 connections over 2 workers
        "BENCH_RAW_DSN": DSN,
    }
    ob.PG_URL, ob.DSN = PG_URL, DSN  # outbox_bench's workers and ANALYZE: this run's database
    portal = PortalThread() if args.outbox else None
    servers = [
        start([*uvicorn_cmd("onestop.app:create_app", ONESTOP_PORT), "--factory"], env),
        start(uvicorn_cmd("bench.raw_intake_app:app", RAW_PORT), env),
    ]
    try:
        wait_ready(ONESTOP_PORT, "/healthz")
        wait_ready(RAW_PORT, "/")
        results = measure_rounds(login(args.counters), portal, args)
    finally:
        for proc in servers:
            proc.terminate()
            proc.wait(timeout=20)
        if portal is not None:
            portal.close()
    report(results, args)
    return report_outbox(results) if args.outbox else 0


def login(counters: int) -> list[str]:
    """A token per counter's clerk; one intake checks that the endpoint works."""
    names = ["clerk"] + [f"clerk{i:02d}" for i in range(counters - 1)]
    tokens = [
        httpx.post(
            f"http://127.0.0.1:{ONESTOP_PORT}/api/v1/auth/token",
            data={"username": name, "password": "onestop-demo"},
        ).json()["access_token"]
        for name in names
    ]
    post_intake(tokens[0])
    return tokens


def measure_rounds(
    tokens: list[str], portal: PortalThread | None, args: argparse.Namespace
) -> dict[str, list[dict[str, float]]]:
    """Alternate the measurements round by round, so drift hits them alike. With the outbox, a
    discarded wrk run first warms onestop up (the first window would be the cold one)."""
    results: dict[str, list[dict[str, float]]] = {"onestop": [], "raw": []}
    if portal is not None:
        results["outbox"] = []
        wrk(ONESTOP_PORT, "/api/v1/dossiers", tokens, WARM_UP, args.connections)
    kinds = ["onestop"] if portal is None else ["onestop", "outbox"]
    if args.burner:
        results["burner"] = []
        kinds.append("burner")
    with contextlib.nullcontext() if portal is None else portal.analyzing():
        for round_no in range(args.rounds):
            measure_round(round_no, kinds, results, tokens, portal, args)
    return results


def measure_round(
    round_no: int,
    kinds: list[str],
    results: dict[str, list[dict[str, float]]],
    tokens: list[str],
    portal: PortalThread | None,
    args: argparse.Namespace,
) -> None:
    """One round: onestop (off, and on with the outbox, in alternating order), then raw."""
    for kind in kinds if round_no % 2 == 0 else kinds[::-1]:
        if kind == "outbox":
            assert portal is not None
            results[kind].append(measure_outbox_on(portal, tokens, args))
        elif kind == "burner":
            cores = worker_cores(results["outbox"][-1])
            results[kind].append(measure_burner(tokens, cores, args))
        else:
            results[kind].append(wrk_with_cpu(tokens, args))
    results["raw"].append(wrk(RAW_PORT, "/dossiers", [], args.duration, args.connections))


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
    labels = {
        "onestop": "onestop POST /api/v1/dossiers" + (", outbox off" if args.outbox else ""),
        "outbox": "onestop POST /api/v1/dossiers, outbox on (1 worker, fake portal)",
        "raw": "raw asyncpg insert",
    }
    for name, label in labels.items():
        if name not in results:
            continue
        m = med[name]
        rounds = ", ".join(f"{r['rps']:.0f}" for r in results[name])
        rounds += " | " + ", ".join(f"{r['p99']:.0f}" for r in results[name])
        figures = f"{m['rps']:.0f} | {m['p50']:.1f} | {m['p99']:.1f} | {m['errors']:.0f}"
        print(f"| {label} | {figures} | {rounds} |")
    print(
        f"ratio onestop/raw per round: {', '.join(f'{r:.2f}' for r in ratios)}; "
        f"median {statistics.median(ratios):.2f}"
    )


def report_outbox(results: dict[str, list[dict[str, float]]]) -> int:
    """The rounds of outbox on against off; 1 when the median ratio misses ``TARGET_RATIO``."""
    print(
        "\n| round | req/s off | req/s on | on/off | intakes in the on window"
        " | portal took during / by the end | drained after the window |"
    )
    print("|---|---|---|---|---|---|---|")
    ratios = []
    for i, (off, on) in enumerate(zip(results["onestop"], results["outbox"], strict=True), 1):
        ratios.append(on["rps"] / off["rps"])
        drained = "no" if math.isnan(on["drain_s"]) else f"{on['drain_s']:.1f} s"
        print(
            f"| {i} | {off['rps']:.0f} | {on['rps']:.0f} | {ratios[-1]:.2f} | {on['written']:.0f}"
            f" | {on['during']:.0f} / {on['delivered']:.0f} | {drained} |"
        )
    print(
        "\n| round | machine busy off / on | CPU ms per intake off / on"
        " | of which PostgreSQL off / on | of which the worker |"
    )
    print("|---|---|---|---|---|")
    for i, (off, on) in enumerate(zip(results["onestop"], results["outbox"], strict=True), 1):
        print(
            f"| {i} | {off['busy']:.0%} / {on['busy']:.0%}"
            f" | {off['cpu_ms']:.2f} / {on['cpu_ms']:.2f}"
            f" | {off['pg_ms']:.2f} / {on['pg_ms']:.2f} | {on['worker_ms']:.2f} |"
        )
    if "burner" in results:
        report_burner(results)
    median = statistics.median(ratios)
    passed = median >= TARGET_RATIO
    print(
        f"ratio outbox on/off per round: {', '.join(f'{r:.2f}' for r in ratios)}; "
        f"median {median:.2f} (target ≥ {TARGET_RATIO}): {'PASS' if passed else 'FAIL'}"
    )
    return 0 if passed else 1


def report_burner(results: dict[str, list[dict[str, float]]]) -> None:
    """The worker against a CPU burner of its cost, round by round."""
    print(
        "\n| round | worker's CPU (cores) | burner's CPU asked / got (cores) | on ÷ off"
        " | burner ÷ off |"
    )
    print("|---|---|---|---|---|")
    on_ratios, burner_ratios = [], []
    rounds = zip(results["onestop"], results["outbox"], results["burner"], strict=True)
    for i, (off, on, burner) in enumerate(rounds, 1):
        on_ratios.append(on["rps"] / off["rps"])
        burner_ratios.append(burner["rps"] / off["rps"])
        print(
            f"| {i} | {worker_cores(on):.2f} | {burner['cores']:.2f} / {worker_cores(burner):.2f}"
            f" | {on_ratios[-1]:.2f} | {burner_ratios[-1]:.2f} |"
        )
    print(
        f"median on ÷ off {statistics.median(on_ratios):.2f};"
        f" burner ÷ off {statistics.median(burner_ratios):.2f}"
    )


if __name__ == "__main__":
    raise SystemExit(main())
