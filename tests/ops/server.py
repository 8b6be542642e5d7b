"""Real server processes for the operations tests: ``onestop serve`` (or a script around it) on a
demo database of its own, its stderr kept in a file, stopped with SIGTERM like a container."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from onestop.demo.seed import DEMO_PASSWORD

REPO = Path(__file__).resolve().parents[2]
SECRET = "ops-test-secret-key-0123456789abcdef"
#: The demo clerk receives at the province centre; this procedure is the department of
#: justice's (000.00.10.H99), received there.
CLERK = "clerk"
PROCEDURE = "1.004746"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def server_env(database_url: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ONESTOP_")}
    env.update(
        ONESTOP_DATABASE_URL=database_url,
        ONESTOP_SECRET_KEY=SECRET,
        ONESTOP_ENVIRONMENT="development",
        ONESTOP_LOG_LEVEL="INFO",
        ONESTOP_LOG_JSON="true",
        PYTHONPATH=os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]),
        **extra,
    )
    return env


def prepare_demo(database_url: str) -> None:
    """``onestop migrate`` and ``onestop seed-demo``, in one process."""
    script = "from onestop.cli import main; main(['migrate']); main(['seed-demo'])"
    subprocess.run(
        [sys.executable, "-c", script],
        env=server_env(database_url),
        cwd=REPO,
        check=True,
        capture_output=True,
        timeout=180,
    )


@dataclass
class Server:
    proc: subprocess.Popen[bytes]
    port: int
    log_path: Path

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def log_lines(self) -> list[dict[str, Any]]:
        """Every line of stderr, as the JSON object it must be."""
        lines = []
        for line in self.log().splitlines():
            try:
                lines.append(json.loads(line))
            except ValueError as exc:  # something wrote around the formatter
                raise AssertionError(f"not a JSON log line: {line[:300]!r}") from exc
        return lines

    def terminate(self, timeout: float = 40) -> int:
        """SIGTERM, then wait for the exit; the exit code (-SIGTERM after a graceful shutdown:
        uvicorn raises the signal again once done, as the process's status)."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(10)
            raise


@contextmanager
def serve(
    database_url: str,
    log_path: Path,
    *,
    command: Sequence[str] = ("-m", "onestop.cli", "serve"),
    args: Sequence[str] = (),
    env: dict[str, str] | None = None,
    while_starting: Callable[[], object] | None = None,
) -> Iterator[Server]:
    """The server on a free port, answering ``/healthz``; stopped (SIGTERM) when left.
    ``while_starting`` runs while the process imports the application (which needs no database
    to start): the database can be made ready meanwhile."""
    port = free_port()
    with log_path.open("wb") as err:
        proc = subprocess.Popen(
            [sys.executable, *command, "--port", str(port), *args],
            env=server_env(database_url, **(env or {})),
            cwd=REPO,
            stdout=subprocess.DEVNULL,
            stderr=err,
        )
    server = Server(proc, port, log_path)
    try:
        if while_starting is not None:
            while_starting()
        _wait_until_up(server)
        yield server
    finally:
        if proc.poll() is None:
            with suppress(subprocess.TimeoutExpired):
                server.terminate()


def _wait_until_up(server: Server, limit: float = 90) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if server.proc.poll() is not None:
            raise AssertionError(f"server exited at start-up:\n{server.log()[-3000:]}")
        try:
            if httpx.get(server.base_url + "/healthz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"server not up after {limit} s:\n{server.log()[-3000:]}")


def login(base_url: str, username: str = CLERK) -> dict[str, str]:
    resp = httpx.post(
        base_url + "/api/v1/auth/token",
        data={"username": username, "password": DEMO_PASSWORD},
        timeout=30,
    )
    assert resp.status_code == 200, resp.text
    return {"Authorization": f"Bearer {resp.json()['access_token']}"}


def intake_body(**over: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "procedure": PROCEDURE,
        "applicant": {
            "name": "Trần Văn Bình",
            "id_number": "001203004567",
            "phone": "0912345678",
            "address": "Số 12 đường Trần Phú",
        },
        "documents": [],
    }
    body.update(over)
    return body
