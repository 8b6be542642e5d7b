"""Per-client-address rate limits, kept in the process: a token bucket per address and purpose.

The citizen's lookup (``GET /api/v1/public/dossiers/{code}`` and the web page ``/tra-cuu``) takes
a dossier code and the receipt's secret and says whether they match: unlimited, it lets anyone
try secrets against a code as fast as the server answers. The signature check
(``POST /api/v1/signatures/verify`` and ``/web/kiem-tra-chu-ky``) needs no login and parses a PDF
and its certificates: unlimited, a few clients could keep every worker busy. Each client address
gets, per purpose (``Limit``), a bucket of ``burst`` requests refilled at ``per_minute``
(settings); a request that finds it empty gets a 429 with ``Retry-After`` (the pages say it in
Vietnamese), and nothing is read.

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
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

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


@dataclass(frozen=True)
class Limit:
    """One purpose's limit: the settings of its rate and burst, and the problem over it."""

    name: str
    per_minute_setting: str
    burst_setting: str
    code: str
    #: The problem's detail; ``{wait}`` is the whole seconds to wait.
    detail: str


LOOKUPS = Limit(
    "lookups",
    "public_lookup_per_minute",
    "public_lookup_burst",
    "too-many-lookups",
    "Tra cứu quá nhiều lần; hãy thử lại sau {wait} giây"
    " (too many lookups from this address; try again in {wait} s)",
)
SIGNATURE_CHECKS = Limit(
    "signature_checks",
    "signature_check_per_minute",
    "signature_check_burst",
    "too-many-signature-checks",
    "Kiểm tra chữ ký quá nhiều lần; hãy thử lại sau {wait} giây"
    " (too many signature checks from this address; try again in {wait} s)",
)


def limiter(request: Request, limit: Limit) -> TokenBucket:
    """The application's bucket for ``limit`` (made on first use, from its settings)."""
    state = request.app.state
    buckets: dict[str, TokenBucket] | None = getattr(state, "rate_limits", None)
    if buckets is None:
        buckets = state.rate_limits = {}
    bucket = buckets.get(limit.name)
    if bucket is None:
        settings = state.settings
        bucket = buckets[limit.name] = TokenBucket(
            getattr(settings, limit.per_minute_setting), getattr(settings, limit.burst_setting)
        )
    return bucket


def wait_for(request: Request, limit: Limit) -> int:
    """0 when this address may go on now (a token is spent), else the whole seconds to wait."""
    wait = limiter(request, limit).take(address(request))
    return max(1, math.ceil(wait)) if wait > 0 else 0


def lookup_wait(request: Request) -> int:
    """``wait_for`` the citizen's lookups."""
    return wait_for(request, LOOKUPS)


def enforce(limit: Limit) -> Callable[[Request], Awaitable[None]]:
    """A dependency answering a 429 problem with ``Retry-After`` over ``limit``."""

    async def within_limit(request: Request) -> None:
        wait = wait_for(request, limit)
        if wait:
            raise TooManyRequests(limit.detail.format(wait=wait), code=limit.code, retry_after=wait)

    return within_limit


limit_public_lookup = enforce(LOOKUPS)
limit_signature_checks = enforce(SIGNATURE_CHECKS)
