"""Building blocks the integration tests share, so each test reads as its scenario: the settings
every integration run starts from, a local HTTP server for the fakes (portal, SMS gateway,
webhook receiver), and ``Scene``, the app with its client, tokens and the pass under test."""

from __future__ import annotations

import asyncio
import datetime as dt
import socket
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession
from tests.dossiers.conftest import Headers, act, create

from onestop.core import clock
from onestop.core.settings import Settings
from onestop.integration.worker import IntegrationPass

SETTLED = text(
    "SELECT coalesce(max(txid), 0) < pg_snapshot_xmin(pg_current_snapshot())::text::bigint"
    " FROM dossier_event"
)


async def settled(app: Any) -> None:
    """Wait until every event written so far is in the feed (PostgreSQL): a write transaction of
    anything else on the cluster — another database's tests too — holds the feed back until it
    ends. Returns at once on SQLite."""
    if app.state.engine.dialect.name != "postgresql":
        return
    for _ in range(600):
        async with app.state.engine.connect() as conn:
            if (await conn.execute(SETTLED)).scalar():
                return
        await asyncio.sleep(0.05)
    raise AssertionError("the feed did not settle: a write transaction stays open")


def advance(minutes: float) -> dt.datetime:
    moment = clock.now() + dt.timedelta(minutes=minutes)
    clock.set_now(moment)
    return moment


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def integration_settings(database_url: str, **over: Any) -> Settings:
    """Test settings with a short outbox retry schedule (retries come due within minutes, and
    give up after an hour); ``over`` points the destinations at their fakes."""
    return Settings(
        database_url=database_url,
        environment="test",
        secret_key="test-secret-key-for-onestop-tests-0123456789",
        log_json=True,
        db_pool_size=5,
        run_worker_in_app=False,
        outbox_retry_base_seconds=60,
        outbox_retry_max_seconds=600,
        outbox_retry_window_seconds=3600,
        **over,
    )


class QuietHandler(BaseHTTPRequestHandler):
    """A request handler that keeps the test output free of access-log lines."""

    def log_message(self, *_args: Any) -> None:
        pass


@dataclass
class LocalServer:
    """An HTTP server on ``port`` of the loopback, answering in a background thread."""

    port: int
    server: ThreadingHTTPServer | None = None

    def serve(self, handler: type[BaseHTTPRequestHandler]) -> None:
        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None


@dataclass
class Scene:
    """The app under test with its client, the users' tokens and the integration pass that
    delivers what the dossiers' events queue."""

    app: Any
    client: httpx.AsyncClient
    auth: Headers
    job: IntegrationPass

    async def receive(self, user: str = "clerk", **over: Any) -> str:
        """The code of a dossier ``user`` receives at the counter."""
        code: str = (await create(self.client, self.auth(user), **over))["code"]
        return code

    async def act(
        self, user: str, code: str, action: str, body: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        return await act(self.client, self.auth(user), code, action, body)

    def session(self) -> AsyncSession:
        session: AsyncSession = self.app.state.sessionmaker()
        return session

    async def settled(self) -> None:
        await settled(self.app)

    async def run(self) -> str:
        """The integration pass, once every event so far has settled; its log line."""
        await settled(self.app)
        return (await self.job.run()).summary
