"""Errors no handler took: a database that cannot be reached is a 503 with Retry-After (never a
500), a genuine bug a 500 — and either is a response the application returns, so the server
keeps the connection (nothing propagates to it: ``raise_app_exceptions=True`` below)."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Callable, MutableMapping
from types import SimpleNamespace
from typing import Any

import asyncpg  # type: ignore[import-untyped]
import httpx
import pytest
from asyncpg.exceptions._base import (  # type: ignore[import-untyped]
    DataError as ClientDataError,  # an argument the driver refused
)
from sqlalchemy import exc as sa_exc

from onestop.core.unavailable import database_unavailable, invalidate_broken
from onestop.http.problems import RETRY_AFTER_SECONDS, ErrorBoundary

URL = "/api/v1/public/dossiers/000.00.01.H99-260310-0001?secret=abc"


def _wrapped(orig: BaseException, cls: type[sa_exc.DBAPIError] = sa_exc.DBAPIError) -> Any:
    """As SQLAlchemy raises a driver error: the adapted error as ``orig``, asyncpg's as its
    cause."""
    adapted = Exception("adapted")
    adapted.__cause__ = orig
    return cls("SELECT 1", None, adapted)


apg = asyncpg.exceptions
UNAVAILABLE: dict[str, Callable[[], BaseException]] = {
    "refused": lambda: ConnectionRefusedError(111, "Connect call failed"),
    "asyncio-multiple": lambda: OSError("Multiple exceptions: [Errno 111] Connect call failed"),
    "reset": lambda: ConnectionResetError(104, "Connection reset by peer"),
    "timeout": lambda: TimeoutError(),
    "dns": lambda: socket.gaierror(-2, "Name or service not known"),
    "pool-timeout": lambda: sa_exc.TimeoutError("QueuePool limit of size 10 reached"),
    "operational": lambda: sa_exc.OperationalError("SELECT 1", None, Exception("closed")),
    "interface": lambda: _wrapped(apg.InterfaceError("closed"), sa_exc.InterfaceError),
    "invalidated": lambda: sa_exc.DBAPIError("SELECT 1", None, OSError(), True),
    "pending-rollback": lambda: sa_exc.PendingRollbackError("Can't reconnect", code="8s2b"),
    "lost": lambda: _wrapped(apg.ConnectionDoesNotExistError("closed in the middle")),
    "shutdown": lambda: _wrapped(apg.AdminShutdownError("terminating connection")),
    "starting-up": lambda: _wrapped(apg.CannotConnectNowError("the system is starting up")),
    "connection-exception": lambda: _wrapped(apg.PostgresConnectionError("failure")),
    "too-many": lambda: _wrapped(apg.TooManyConnectionsError("too many clients")),
    "broken-protocol": lambda: _wrapped(
        apg.InternalClientError("cannot switch to state 12; another operation is in progress")
    ),
}

BUGS: dict[str, Callable[[], BaseException]] = {
    "bug": lambda: RuntimeError("boom"),
    "integrity": lambda: sa_exc.IntegrityError("INSERT", None, Exception("UNIQUE constraint")),
    "refused-argument": lambda: _wrapped(ClientDataError("argument $1"), sa_exc.InterfaceError),
    "data-exception": lambda: _wrapped(apg.DataError("invalid input syntax for type date")),
    "statement-timeout": lambda: _wrapped(apg.QueryCanceledError("statement timeout")),
    "file": lambda: FileNotFoundError(2, "No such file", "font.ttf"),
    "programming": lambda: _wrapped(
        apg.UndefinedTableError("no relation"), sa_exc.ProgrammingError
    ),
}


@pytest.fixture
async def strict_client(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    """A client that would raise whatever the application let out."""
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=True)
    async with httpx.AsyncClient(transport=transport, base_url="http://onestop.test") as c:
        yield c


def _raise(monkeypatch: pytest.MonkeyPatch, make: Callable[[], BaseException]) -> None:
    async def broken(*args: object, **kwargs: object) -> object:
        raise make()

    monkeypatch.setattr("onestop.dossiers.reading.public", broken)


@pytest.mark.parametrize("kind", list(UNAVAILABLE))
async def test_a_database_out_of_reach_is_a_503_with_retry_after(
    strict_client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch, kind: str
) -> None:
    _raise(monkeypatch, UNAVAILABLE[kind])
    resp = await strict_client.get(URL)
    assert resp.status_code == 503
    assert resp.headers["content-type"] == "application/problem+json"
    assert resp.headers["retry-after"] == str(RETRY_AFTER_SECONDS)
    problem = resp.json()
    assert problem["type"] == "/problems/database-unavailable"
    assert problem["request_id"] == resp.headers["x-request-id"]


@pytest.mark.parametrize("kind", list(BUGS))
async def test_a_bug_is_a_500_returned_not_raised(
    strict_client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch, kind: str
) -> None:
    _raise(monkeypatch, BUGS[kind])
    resp = await strict_client.get(URL)
    assert resp.status_code == 500
    assert resp.json()["type"] == "/problems/internal-error"
    assert "retry-after" not in resp.headers


def test_the_classification_reads_the_whole_chain() -> None:
    lost = asyncpg.ConnectionDoesNotExistError("connection was closed")
    try:
        try:
            raise lost
        except Exception as exc:
            raise RuntimeError("while reading the dossier") from exc
    except RuntimeError as outer:
        assert database_unavailable(outer)
    assert not database_unavailable(ValueError("bad date"))


@pytest.mark.parametrize(
    ("error", "discarded"),
    [
        (asyncpg.InternalClientError("cannot switch to state 12; another operation"), True),
        (asyncpg.ConnectionDoesNotExistError("connection was closed"), True),
        (asyncpg.AdminShutdownError("terminating connection"), True),
        (asyncpg.UniqueViolationError("duplicate key"), False),
        (ClientDataError("invalid input for query argument $1"), False),
    ],
)
def test_a_broken_connection_is_discarded_not_pooled(error: Exception, discarded: bool) -> None:
    adapted = Exception("adapted")
    adapted.__cause__ = error
    context = SimpleNamespace(
        is_disconnect=False,
        connection=object(),
        original_exception=adapted,
        invalidate_pool_on_disconnect=True,
    )
    invalidate_broken(context)
    assert context.is_disconnect is discarded
    assert context.invalidate_pool_on_disconnect is not discarded  # this connection only


async def _call(app: Any) -> tuple[list[dict[str, Any]], BaseException | None]:
    """``app`` behind the boundary, as a server calls it: the messages sent, what escaped."""
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: MutableMapping[str, Any]) -> None:
        sent.append(dict(message))

    scope = {"type": "http", "method": "GET", "path": "/x", "headers": [], "query_string": b""}
    try:
        await ErrorBoundary(app)(scope, receive, send)
    except BaseException as exc:
        return sent, exc
    return sent, None


def _starts(sent: list[dict[str, Any]]) -> list[int]:
    return [m["status"] for m in sent if m["type"] == "http.response.start"]


async def test_an_error_after_the_response_is_logged_and_the_connection_kept() -> None:
    async def app(scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})
        raise RuntimeError("clean-up failed")  # e.g. a dependency's exit

    sent, escaped = await _call(app)
    assert (_starts(sent), escaped) == ([200], None)


async def test_an_error_in_the_middle_of_a_response_goes_to_the_server() -> None:
    async def app(scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"part", "more_body": True})
        raise RuntimeError("stream broken")

    sent, escaped = await _call(app)
    assert _starts(sent) == [200] and isinstance(escaped, RuntimeError)  # it must close


async def test_a_request_cancelled_at_shutdown_is_a_503() -> None:
    async def app(scope: Any, receive: Any, send: Any) -> None:
        raise asyncio.CancelledError("Task cancelled, timeout graceful shutdown exceeded")

    sent, escaped = await _call(app)
    assert (_starts(sent), escaped) == ([503], None)
    headers = dict(sent[0]["headers"])
    assert headers[b"retry-after"] == str(RETRY_AFTER_SECONDS).encode()
    assert headers[b"connection"] == b"close"
