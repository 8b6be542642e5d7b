"""Per-client-address rate limits, kept in the process: a token bucket per address.

The citizen's lookup (``GET /api/v1/public/dossiers/{code}`` and the web page ``/tra-cuu``) takes
a dossier code and the receipt's secret and says whether they match: unlimited, it lets anyone
try secrets against a code as fast as the server answers. Each client address gets a bucket of
``public_lookup_burst`` lookups, refilled at ``public_lookup_per_minute`` (settings); a lookup
that finds it empty gets a 429 with ``Retry-After`` (the page says it in Vietnamese), and the
dossier is not read.

The buckets live in each worker process: with N processes behind one port an address gets at
most N times the rate (connections are spread over the processes). That still caps guessing at a
few lookups a second, where a shared count (a PostgreSQL row per address) would cost a write on
every lookup, the cheapest read the service serves. The address is the client's as uvicorn
reports it (``onestop serve`` trusts the ``X-Forwarded-For`` of a local proxy).
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from collections.abc import Callable

from starlette.requests import Request

from onestop.core.errors import TooManyRequests

#: Addresses remembered per process; the oldest is forgotten beyond (a full bucket again).
MAX_ADDRESSES = 10_000


class TokenBucket:
    """``burst`` tokens per key, refilled at ``per_minute``; ``take`` spends one."""

    def __init__(
        self,
        per_minute: float,
        burst: int,
        *,
        now: Callable[[], float] = time.monotonic,
        max_keys: int = MAX_ADDRESSES,
    ) -> None:
        self.rate = per_minute / 60.0
        self.burst = float(burst)
        self.now = now
        self.max_keys = max_keys
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()

    def take(self, key: str) -> float:
        """0 when a token was spent; else the seconds until one is there (nothing spent)."""
        now = self.now()
        tokens, since = self._buckets.pop(key, (self.burst, now))
        tokens = min(self.burst, tokens + (now - since) * self.rate)
        wait = 0.0
        if tokens >= 1.0:
            tokens -= 1.0
        else:
            wait = (1.0 - tokens) / self.rate
        self._buckets[key] = (tokens, now)
        if len(self._buckets) > self.max_keys:
            self._buckets.popitem(last=False)
        return wait


def address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def lookup_limiter(request: Request) -> TokenBucket:
    """The application's bucket of public lookups (made on first use, from its settings)."""
    state = request.app.state
    limiter: TokenBucket | None = getattr(state, "lookup_limiter", None)
    if limiter is None:
        settings = state.settings
        limiter = state.lookup_limiter = TokenBucket(
            settings.public_lookup_per_minute, settings.public_lookup_burst
        )
    return limiter


def lookup_wait(request: Request) -> int:
    """0 when this address may look a dossier up now, else the whole seconds to wait."""
    wait = lookup_limiter(request).take(address(request))
    return max(1, math.ceil(wait)) if wait > 0 else 0


async def limit_public_lookup(request: Request) -> None:
    """Dependency of the API's lookup: a 429 problem with ``Retry-After`` over the limit."""
    wait = lookup_wait(request)
    if wait:
        raise TooManyRequests(
            f"Tra cứu quá nhiều lần; hãy thử lại sau {wait} giây"
            f" (too many lookups from this address; try again in {wait} s)",
            code="too-many-lookups",
            retry_after=wait,
        )
