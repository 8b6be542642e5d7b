"""HTTP to the national portal: a few ``httpx.AsyncClient`` per worker, an OAuth2 client-credentials
token fetched once and reused until shortly before it expires, and the portal's verdict.

Calls in flight (up to ``delivery.CONCURRENCY``) are spread over ``POOLS`` clients taken in turn,
each keeping its connections alive: httpcore's pool looks at every connection and waiting request
whenever one changes state, so one pool of them all costs CPU in the square of their number.

Success is HTTP 2xx with a JSON body whose ``error_code`` is ``"0"``; anything else (a refused
connection, a timeout, another status, another ``error_code``) raises ``DeliveryFailed`` with a
reason made of the status, the error code and the portal's message — the request body, which holds
personal data, never goes into a reason or a log line.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
import orjson

from onestop.core import clock
from onestop.integration.delivery import CONCURRENCY
from onestop.integration.destinations import DeliveryFailed

#: A token is renewed this long before its stated expiry (clock skew, the time a call takes).
TOKEN_MARGIN = dt.timedelta(seconds=60)
#: A token whose answer states no lifetime is kept this long.
DEFAULT_TOKEN_SECONDS = 300
#: Longest portal message kept in a reason.
MESSAGE_CHARS = 300
#: Connection pools the calls are spread over, and the connections of each.
POOLS = 8
POOL_CONNECTIONS = -(-CONCURRENCY // POOLS)


class PortalUnavailable(DeliveryFailed):
    """The call never reached the portal (no connection, no token): nothing in it was judged."""


@dataclass(frozen=True)
class Credentials:
    token_url: str
    client_id: str
    client_secret: str


@dataclass
class _Token:
    value: str
    expires_at: dt.datetime


class PortalClient:
    def __init__(
        self,
        url: str,
        *,
        timeout: float,
        credentials: Credentials | None = None,
        now: Callable[[], dt.datetime] = clock.now,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.url = url
        self.credentials = credentials
        self._now = now
        limits = httpx.Limits(
            max_connections=POOL_CONNECTIONS, max_keepalive_connections=POOL_CONNECTIONS
        )
        self._pools = [
            httpx.AsyncClient(timeout=timeout, transport=transport, limits=limits)
            for _ in range(POOLS)
        ]
        self._turn = itertools.cycle(self._pools)
        self._token: _Token | None = None
        self._token_lock = asyncio.Lock()

    async def aclose(self) -> None:
        for pool in self._pools:
            await pool.aclose()

    async def post(self, body: dict[str, Any]) -> None:
        """Send one request; raise ``DeliveryFailed`` unless the portal accepted it."""
        headers = {"Content-Type": "application/json", **await self._auth_headers()}
        # orjson: a call carries up to twenty records, and the standard library's encoder was a
        # twentieth of the worker's time.
        raw = orjson.dumps(body)
        try:
            response = await next(self._turn).post(self.url, content=raw, headers=headers)
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
            raise PortalUnavailable(f"cannot reach the portal ({type(exc).__name__})") from None
        except httpx.TimeoutException:
            raise DeliveryFailed("timeout waiting for the portal") from None
        except httpx.HTTPError as exc:
            raise DeliveryFailed(f"the call to the portal failed ({type(exc).__name__})") from None
        if response.status_code == 401 and self.credentials is not None:
            self._token = None  # revoked or expired early: the next attempt fetches a new one
        verdict(response)

    async def _auth_headers(self) -> dict[str, str]:
        if self.credentials is None:
            return {}
        token = await self._current_token(self.credentials)
        return {"Authorization": f"Bearer {token}"}

    async def _current_token(self, credentials: Credentials) -> str:
        async with self._token_lock:
            token = self._token
            if token is None or self._now() >= token.expires_at - TOKEN_MARGIN:
                token = self._token = await self._fetch_token(credentials)
            return token.value

    async def _fetch_token(self, credentials: Credentials) -> _Token:
        try:
            response = await self._pools[0].post(
                credentials.token_url,
                data={"grant_type": "client_credentials"},
                auth=(credentials.client_id, credentials.client_secret),
            )
        except httpx.HTTPError as exc:
            raise PortalUnavailable(f"cannot get a token ({type(exc).__name__})") from None
        if not response.is_success:
            raise PortalUnavailable(f"token endpoint answered HTTP {response.status_code}")
        try:
            data = response.json()
            value = str(data["access_token"])
            seconds = int(data.get("expires_in") or DEFAULT_TOKEN_SECONDS)
        except (ValueError, KeyError, TypeError):
            raise PortalUnavailable("token endpoint answered without an access_token") from None
        return _Token(value, self._now() + dt.timedelta(seconds=seconds))


def verdict(response: httpx.Response) -> None:
    """Raise ``DeliveryFailed`` unless ``response`` is the portal's success."""
    try:
        data = response.json()
    except ValueError:
        data = None
    raw_code = data.get("error_code") if isinstance(data, dict) else None
    code = None if raw_code is None else str(raw_code)
    if response.is_success and code == "0":
        return
    message = ""
    if isinstance(data, dict):
        message = str(data.get("message") or data.get("error_message") or "")[:MESSAGE_CHARS]
    parts = [f"HTTP {response.status_code}"]
    if code is not None:
        parts.append(f"error_code {code}")
    if message:
        parts.append(message)
    raise DeliveryFailed(": ".join(parts))
