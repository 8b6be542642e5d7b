"""Fixtures of the integration tests: the small province, bearer tokens, a fake national portal
served over real HTTP on a free port, settings that point the DVCQG sync at it (and keep uploaded
documents in a temporary directory), the worker's integration pass, and a dossier driven through
its whole life."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import tests.dossiers.conftest as dossier_fixtures
from tests.dossiers.conftest import Headers
from tests.factories import World
from tests.integration.helpers import (
    LocalServer,
    QuietHandler,
    Scene,
    free_port,
    integration_settings,
)

from onestop.core.settings import Settings
from onestop.integration import delivery
from onestop.integration.worker import IntegrationPass, destinations

world = dossier_fixtures.world
auth = dossier_fixtures.auth

TOKEN = "portal-token-1"


@dataclass
class Portal(LocalServer):
    """A stand-in for the national portal: records every request it takes, and counts every call
    (``calls``, taken or not). ``failing`` maps a dossier code to the answer a request with it
    gets: an HTTP status, ``"error"`` (HTTP 200 with ``error_code`` "1"), or ``"slow"`` (taken,
    but answered after ``slow_seconds``); with ``token_failing`` the token endpoint answers 500."""

    requests: list[dict[str, Any]] = field(default_factory=list)
    calls: int = 0
    token_requests: int = 0
    token_failing: bool = False
    slow_seconds: float = 2.0
    failing: dict[str, int | str] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/dvcqg"

    @property
    def token_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/token"

    def start(self) -> None:
        portal = self

        class Handler(QuietHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                if self.path == "/token":
                    with portal.lock:
                        portal.token_requests += 1
                    if portal.token_failing:
                        self._answer(500, {"error": "server_error"})
                    else:
                        self._answer(200, {"access_token": TOKEN, "expires_in": 3600})
                    return
                with portal.lock:
                    portal.calls += 1
                if self.headers.get("Authorization") != f"Bearer {TOKEN}":
                    self._answer(401, {"error_code": "401", "message": "unauthorised"})
                    return
                body = json.loads(raw)
                codes = {item["MaHoSo"] for item in body.get("data", [])}
                failure = next((portal.failing[c] for c in codes if c in portal.failing), None)
                if failure == "slow":
                    time.sleep(portal.slow_seconds)
                    failure = None
                if failure == "error":
                    self._answer(200, {"error_code": "1", "message": "Mã TTHC không hợp lệ"})
                elif failure is not None:
                    self._answer(int(failure), {"message": "Lỗi máy chủ"})
                else:
                    with portal.lock:
                        portal.requests.append(body)
                    self._answer(200, {"error_code": "0", "message": "Thành công"})

            def _answer(self, status: int, data: dict[str, Any]) -> None:
                raw = json.dumps(data).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(raw)))
                    self.end_headers()
                    self.wfile.write(raw)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # a slow answer the client no longer waits for

        self.serve(Handler)

    def records(self, code: str) -> list[tuple[Any, ...]]:
        """What the portal took for ``code``, in order: ``("sync", status, isUpdating)`` for a
        record, ``("progress", status)`` for a progress entry."""
        out: list[tuple[Any, ...]] = []
        with self.lock:
            for body in self.requests:
                for item in body["data"]:
                    if item["MaHoSo"] != code:
                        continue
                    if body["service"] == "DongBoHoSoMC":
                        out.append(("sync", item["TrangThaiHoSo"], body["isUpdating"]))
                    else:
                        out.append(("progress", item["TrangThai"]))
        return out


@pytest.fixture
def portal() -> Iterator[Portal]:
    """Not listening until ``start()`` (a portal that is down refuses connections)."""
    p = Portal(free_port())
    yield p
    p.stop()


@pytest.fixture
def settings(database_url: str, portal: Portal, tmp_path: Path) -> Settings:
    return integration_settings(
        database_url,
        storage_dir=str(tmp_path / "documents"),
        dvcqg_url=portal.url,
        dvcqg_token_url=portal.token_url,
        dvcqg_client_id="onestop",
        dvcqg_client_secret="portal-secret",
        dvcqg_timeout_seconds=5,
    )


@pytest.fixture
async def integration(app: Any, settings: Settings) -> Any:
    """The worker's integration pass over the destinations ``settings`` configures."""
    job = IntegrationPass(
        app.state.sessionmaker, destinations(settings), delivery.Policy.of(settings)
    )
    yield job
    await job.aclose()


@pytest.fixture
def scene(
    app: Any, client: httpx.AsyncClient, world: World, auth: Headers, integration: IntegrationPass
) -> Scene:
    """The small province's app, its client and tokens, and the ``integration`` pass."""
    return Scene(app, client, auth, integration)


async def full_life(scene: Scene) -> str:
    """A counter dossier from receipt to return: 2, 2→4 (hand-over), two hand-overs in 4, 9, 10."""
    code = await scene.receive()
    await scene.act("clerk", code, "transfer")
    await scene.act("leader", code, "assign", {"handler": "officer"})
    await scene.act("officer", code, "transfer")
    await scene.act("officer", code, "finish", {"result_number": "123/CT"})
    await scene.act("clerk", code, "return", {"method": "counter", "received_by": "Nguyễn Văn An"})
    return code


#: What the portal must take for ``full_life``, in this order.
FULL_LIFE: list[tuple[Any, ...]] = [
    ("sync", 2, "False"),
    ("sync", 4, "True"),
    ("progress", 4),
    ("progress", 4),
    ("progress", 4),
    ("sync", 9, "True"),
    ("sync", 10, "True"),
]
