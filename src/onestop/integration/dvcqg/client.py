"""HTTP to the national portal: one ``aiohttp`` session per worker, an OAuth2 client-credentials
token fetched once and reused until shortly before it expires, and the portal's verdict.

Why aiohttp here, where the rest of the service speaks httpx: every status change of every
dossier is a record for the portal, a thousand a second when the counters are busiest, and the
worker shares the machine with the intake. A call of twenty records costs the worker 0.89 ms of
CPU through httpx and 0.14 ms through this client (``bench/portal_call_bench.py``); httpx's was a
quarter of the worker's busy time. Webhooks and the SMS gateway, a call per subscriber or message
at a far lower rate, stay on httpx.

Success is HTTP 2xx with a JSON body whose ``error_code`` is ``"0"``; anything else (a refused
connection, a timeout, another status, another ``error_code``) raises ``DeliveryFailed`` with a
reason made of the status, the error code and the portal's message — the request body, which holds
personal data, never goes into a reason or a log line. A call that never reached the portal (no
connection, no token) raises ``PortalUnavailable``.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import aiohttp
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


@dataclass(frozen=True)
class Answer:
    """The portal's answer to a call: its HTTP status and body."""

    status: int
    body: bytes

    @property
    def is_success(self) -> bool:
        return 200 <= self.status < 300

    def json(self) -> Any:
        return orjson.loads(self.body)


def _failure(exc: Exception, unreachable: str) -> DeliveryFailed:
    """The reason of a call that raised ``exc`` (``unreachable``: what a call that never reached
    the portal failed to do)."""
    if isinstance(exc, aiohttp.ClientConnectorError):  # refused, unknown host, no route
        return PortalUnavailable(f"{unreachable} ({type(exc.os_error).__name__})")
    if isinstance(exc, aiohttp.ConnectionTimeoutError):
        return PortalUnavailable(f"{unreachable} (connection timed out)")
    if isinstance(exc, TimeoutError):  # aiohttp's read timeouts are TimeoutErrors too
        return DeliveryFailed("timeout waiting for the portal")
    return DeliveryFailed(f"the call to the portal failed ({type(exc).__name__})")


@functools.lru_cache(maxsize=8)
def _env_proxy(url: str) -> str | None:
    """The proxy the environment names for ``url`` (``HTTP_PROXY``, ``HTTPS_PROXY``,
    ``NO_PROXY``), read once per process: aiohttp's own reading of it (``trust_env``) reads the
    environment and ``~/.netrc`` again on every call, two thirds of a call's CPU."""
    parts = urllib.parse.urlsplit(url)
    if parts.hostname and urllib.request.proxy_bypass(parts.hostname):
        return None
    return urllib.request.getproxies().get(parts.scheme)


class PortalClient:
    def __init__(
        self,
        url: str,
        *,
        timeout: float,
        credentials: Credentials | None = None,
        now: Callable[[], dt.datetime] = clock.now,
    ) -> None:
        self.url = url
        self.credentials = credentials
        self._now = now
        self._timeout = aiohttp.ClientTimeout(total=None, connect=timeout, sock_read=timeout)
        self._session: aiohttp.ClientSession | None = None
        self._token: _Token | None = None
        self._token_lock = asyncio.Lock()

    def _http(self) -> aiohttp.ClientSession:
        """The session, opened on first use, on the event loop of the calls; it keeps up to
        ``delivery.CONCURRENCY`` connections alive (the calls in flight at most)."""
        if self._session is None:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=CONCURRENCY),
                timeout=self._timeout,
            )
        return self._session

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def _call(self, url: str, unreachable: str, **request: Any) -> Answer:
        """POST to ``url``; the answer, or the failure's ``DeliveryFailed``."""
        try:
            proxy = _env_proxy(url)
            async with self._http().post(
                url, allow_redirects=False, proxy=proxy, **request
            ) as response:
                return Answer(response.status, await response.read())
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise _failure(exc, unreachable) from None

    async def post(self, body: dict[str, Any]) -> None:
        """Send one request; raise ``DeliveryFailed`` unless the portal accepted it."""
        headers = {"Content-Type": "application/json", **await self._auth_headers()}
        # orjson: a call carries up to twenty records, and the standard library's encoder was a
        # twentieth of the worker's time.
        answer = await self._call(
            self.url, "cannot reach the portal", data=orjson.dumps(body), headers=headers
        )
        if answer.status == 401 and self.credentials is not None:
            self._token = None  # revoked or expired early: the next attempt fetches a new one
        verdict(answer)

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
            basic = aiohttp.encode_basic_auth(credentials.client_id, credentials.client_secret)
            answer = await self._call(
                credentials.token_url,
                "cannot get a token",
                data={"grant_type": "client_credentials"},
                headers={"Authorization": basic},
            )
        except ValueError:  # RFC 7617: no colon in the user id of Basic authentication
            raise PortalUnavailable("the client id holds a colon") from None
        except DeliveryFailed as exc:  # whatever stopped it, nothing reached the portal
            raise PortalUnavailable(exc.reason) from None
        if not answer.is_success:
            raise PortalUnavailable(f"token endpoint answered HTTP {answer.status}")
        try:
            data = answer.json()
            value = str(data["access_token"])
            seconds = int(data.get("expires_in") or DEFAULT_TOKEN_SECONDS)
        except (ValueError, KeyError, TypeError):
            raise PortalUnavailable("token endpoint answered without an access_token") from None
        return _Token(value, self._now() + dt.timedelta(seconds=seconds))


def verdict(response: Answer) -> None:
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
    parts = [f"HTTP {response.status}"]
    if code is not None:
        parts.append(f"error_code {code}")
    if message:
        parts.append(message)
    raise DeliveryFailed(": ".join(parts))
