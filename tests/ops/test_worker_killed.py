"""``kill -9`` of ``onestop worker`` while the national portal holds one of its calls: the message
is sent again by the next worker once the dead worker's lease on the portal's feed position
expires, and the portal, which takes a record by ``MaHoSo``, gets the same record twice —
nothing is lost, the duplicate is harmless.

Real processes on a demo SQLite database: ``onestop serve`` takes the intake, a first
``onestop worker`` relays it and calls a fake portal (a real HTTP server in this process) that
never answers that dossier's first call; the worker is killed with SIGKILL while it waits, and a
second worker delivers it.
"""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
from tests.ops.server import REPO, free_port, intake_body, login, prepare_demo, serve, server_env

LIMIT = 90.0  # seconds any wait may take
CLAIM_SECONDS = "3"


class Portal:
    """Answers ``error_code`` "0" to every call, but holds the first call that names ``held``
    without answering (until ``release``)."""

    def __init__(self) -> None:
        self.port = free_port()
        self.held = ""
        self.calls: list[dict[str, Any]] = []  # the held dossier's calls, answered or not
        self.lock = threading.Lock()
        self.release = threading.Event()
        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), self._handler())
        self.server.daemon_threads = True

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/dvcqg"

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        portal = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)))
                codes = {item.get("MaHoSo") for item in body.get("data", [])}
                if portal.held in codes:
                    with portal.lock:
                        portal.calls.append(body)
                        first = len(portal.calls) == 1
                    if first:  # hold it: the worker waits for an answer that never comes
                        portal.release.wait(LIMIT)
                        return
                raw = json.dumps({"error_code": "0", "message": "Thành công"}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            def log_message(self, *_args: Any) -> None:
                pass

        return Handler

    def wait_for(self, calls: int) -> None:
        deadline = time.monotonic() + LIMIT
        while time.monotonic() < deadline:
            with self.lock:
                if len(self.calls) >= calls:
                    return
            time.sleep(0.1)
        raise AssertionError(f"the portal got {len(self.calls)} calls, not {calls}")


@contextmanager
def running_portal() -> Iterator[Portal]:
    portal = Portal()
    thread = threading.Thread(target=portal.server.serve_forever, daemon=True)
    thread.start()
    try:
        yield portal
    finally:
        portal.release.set()
        portal.server.shutdown()
        portal.server.server_close()


def start_worker(database_url: str, portal: Portal, log_path: Path) -> subprocess.Popen[bytes]:
    env = server_env(
        database_url,
        ONESTOP_DVCQG_URL=portal.url,
        ONESTOP_DVCQG_TIMEOUT_SECONDS="60",
        ONESTOP_OUTBOX_CLAIM_SECONDS=CLAIM_SECONDS,
    )
    with log_path.open("ab") as err:
        return subprocess.Popen(
            [sys.executable, "-m", "onestop.cli", "worker", "--interval", "0.5"],
            env=env,
            cwd=REPO,
            stdout=subprocess.DEVNULL,
            stderr=err,
        )


def messages(db: Path, code: str) -> list[tuple[str, int]]:
    """``(state, attempts)`` of the portal's messages for the dossier."""
    with sqlite3.connect(db) as conn:
        rows = conn.execute(
            "SELECT m.state, m.attempts FROM outbox_message m JOIN dossier d ON d.id = m.dossier_id"
            " WHERE d.code = ? AND m.destination = 'dvcqg' ORDER BY m.seq",
            (code,),
        ).fetchall()
    return [(str(s), int(a)) for s, a in rows]


def lease(db: Path) -> tuple[int, bool]:
    """The portal's feed position (its event id) and whether a worker's lease is on it."""
    with sqlite3.connect(db) as conn:
        row = conn.execute(
            "SELECT after_event_id, leased_until IS NOT NULL FROM outbox_cursor"
            " WHERE destination = 'dvcqg'"
        ).fetchone()
    return (int(row[0]), bool(row[1]))


def test_a_worker_killed_mid_call_leaves_a_lease_the_next_worker_sends_again(
    tmp_path: Path,
) -> None:
    db = tmp_path / "onestop.db"
    url = f"sqlite+aiosqlite:///{db}"
    prepare_demo(url)
    with (
        running_portal() as portal,
        serve(url, tmp_path / "serve.log", env={"ONESTOP_RUN_WORKER_IN_APP": "false"}) as server,
    ):
        resp = httpx.post(
            server.base_url + "/api/v1/dossiers",
            json=intake_body(documents=[{"code": "TK", "quantity": 1}]),
            headers=login(server.base_url),
            timeout=30,
        )
        assert resp.status_code == 201, resp.text
        code = resp.json()["code"]
        portal.held = code
        first = start_worker(url, portal, tmp_path / "worker.log")
        try:
            portal.wait_for(1)  # the worker is waiting for the portal's answer
            first.send_signal(signal.SIGKILL)
            assert first.wait(30) == -signal.SIGKILL
        finally:
            if first.poll() is None:
                first.kill()
        # Nothing written, the position not moved, the lease left until it expires.
        assert messages(db, code) == []
        assert lease(db) == (0, True)
        second = start_worker(url, portal, tmp_path / "worker.log")
        try:
            portal.wait_for(2)
            deadline = time.monotonic() + LIMIT
            while messages(db, code) != [("delivered", 1)] and time.monotonic() < deadline:
                time.sleep(0.2)
        finally:
            second.terminate()
            second.wait(30)
    assert messages(db, code) == [("delivered", 1)]
    assert lease(db)[0] > 0
    # The same record both times: the portal, keyed by MaHoSo, is told the same thing again.
    held, again = portal.calls
    assert (held["service"], held["isUpdating"]) == ("DongBoHoSoMC", "False")
    assert (again["service"], again["isUpdating"]) == ("DongBoHoSoMC", "False")
    assert [i for i in held["data"] if i["MaHoSo"] == code] == [
        i for i in again["data"] if i["MaHoSo"] == code
    ]
    assert len([i for i in held["data"] if i["MaHoSo"] == code]) == 1
