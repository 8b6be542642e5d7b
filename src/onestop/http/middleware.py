"""ASGI middleware: a request id, timing and Prometheus counts for every request, the security
headers of every response, the request-body size limit, and the refusal of NUL characters in the
path and the query string."""

from __future__ import annotations

import json
import logging
import random
import re
import time
from collections.abc import Awaitable, Callable, Sequence
from urllib.parse import parse_qsl

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from onestop.core.logs import NO_FREE_TEXT, PersonalValues, request_id_var, request_personal
from onestop.core.schemas import NUL_MESSAGE
from onestop.http.problems import problem


class Metrics:
    """Per-app registry, so several apps in one process (tests) do not collide. ``samplers`` set
    gauges from elsewhere in the application when ``/metrics`` is scraped (``sample``)."""

    Sampler = Callable[["Metrics"], Awaitable[None]]

    def __init__(self, samplers: Sequence[Sampler] = ()) -> None:
        self.samplers = list(samplers)
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "onestop_http_requests_total",
            "HTTP requests by route template, method and status",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "onestop_http_request_seconds",
            "HTTP request latency by route template",
            ["method", "route"],
            buckets=(0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
            registry=self.registry,
        )
        self.pool_checked_out = Gauge(
            "onestop_db_pool_checked_out", "Database connections in use", registry=self.registry
        )
        self.pool_size = Gauge("onestop_db_pool_size", "Database pool size", registry=self.registry)
        self.intake_statements = Gauge(
            "onestop_intake_group_statements",
            "Intake statements written by this process's group commit since it started",
            registry=self.registry,
        )
        self.intake_written = Gauge(
            "onestop_intake_group_intakes",
            "Intakes those statements wrote (divided by the statements: the mean batch size)",
            registry=self.registry,
        )
        self.rollup_drift = Gauge(
            "onestop_rollup_drift_cells",
            "Rollup cells that differed from a recomputation at the last `onestop rollups verify`"
            " (-1: never verified)",
            registry=self.registry,
        )
        self.rollup_checked = Gauge(
            "onestop_rollup_checked_timestamp_seconds",
            "When the rollups were last verified (Unix time; 0: never)",
            registry=self.registry,
        )


access_log = logging.getLogger("onestop.access")


def _new_id() -> str:
    """A request id: 128 random bits as hex, like ``uuid4().hex`` but from the process's
    generator (seeded from the system at start) rather than a system call per request; it names
    log lines, it guards nothing."""
    return f"{random.getrandbits(128):032x}"


#: The security headers, declared once, set on the way out of every response (the fast paths'
#: included: they send through this middleware too), replacing any the route set itself.
#: ``nosniff`` everywhere: a browser never runs a JSON answer, a PDF or an upload as a page.
#: ``no-store`` on the API: its answers carry personal data, lookup secrets and tokens (receipts,
#: dossiers, lists, events, forms, the citizen's lookup), which no browser or shared cache may
#: keep; the OpenAPI document (``/openapi.json``) is outside the API prefix and may be cached.
#: The pages set their own, stricter set (``web.templating.SECURITY_HEADERS``).
SECURITY_HEADERS: tuple[tuple[bytes, bytes], ...] = ((b"x-content-type-options", b"nosniff"),)
API_SECURITY_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    *SECURITY_HEADERS,
    (b"cache-control", b"no-store"),
)


def secured(headers: Sequence[tuple[bytes, bytes]], api: bool) -> list[tuple[bytes, bytes]]:
    """``headers`` with the security headers of an API response (``api``) or of any other."""
    own = API_SECURITY_HEADERS if api else SECURITY_HEADERS
    replaced = {name for name, _ in own}
    return [*(h for h in headers if h[0].lower() not in replaced), *own]


class RequestContextMiddleware:
    """Assigns a request id (or keeps a sane incoming ``X-Request-ID``); times, counts requests;
    sets the security headers (``SECURITY_HEADERS``; ``API_SECURITY_HEADERS`` under
    ``api_prefix``); keeps the query string and the body as the application reads it, whose
    personal values the log formatters mask in every line of the request (``core.logs``)."""

    def __init__(self, app: ASGIApp, metrics: Metrics, api_prefix: str = "/api/") -> None:
        self.app = app
        self.metrics = metrics
        self.api_prefix = api_prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        incoming = headers.get(b"x-request-id", b"").decode("latin-1")
        rid = incoming if re.fullmatch(r"[A-Za-z0-9._-]{8,64}", incoming) else _new_id()
        request_id_var.set(rid)  # each request runs in its own task: no reset needed
        scope.setdefault("state", {})["request_id"] = rid
        content_type = headers.get(b"content-type", b"").decode("latin-1")
        personal = PersonalValues(content_type, scope.get("query_string", b""))
        request_personal.set(personal)
        started = time.perf_counter()
        status = 500

        async def tapped_receive() -> Message:
            message = await receive()
            if message["type"] == "http.request":
                personal.tap(message.get("body", b""))
            return message

        api = scope.get("path", "").startswith(self.api_prefix)

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [
                    *secured(message.get("headers", []), api),
                    (b"x-request-id", rid.encode()),
                ]
            await send(message)

        try:
            await self.app(scope, tapped_receive, send_wrapper)
        finally:
            elapsed = time.perf_counter() - started
            route = scope.get("route")
            template = getattr(route, "path", "<unmatched>")
            self.metrics.requests.labels(scope["method"], template, str(status)).inc()
            self.metrics.latency.labels(scope["method"], template).observe(elapsed)
            access_log.info(
                "request",
                extra={
                    "method": scope["method"],
                    "path": template,
                    "status": status,
                    "duration_ms": round(elapsed * 1000, 2),
                    "actor": scope.get("state", {}).get("actor"),
                    NO_FREE_TEXT: True,
                },
            )


class BodySizeLimitMiddleware:
    """Refuses bodies over the limit with a 413 problem before the app reads them. ``uploads``
    gives the paths that take files (by pattern) a larger limit of their own."""

    def __init__(
        self,
        app: ASGIApp,
        max_bytes: int,
        uploads: Sequence[tuple[re.Pattern[str], int]] = (),
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.uploads = tuple(uploads)

    def limit_for(self, path: str) -> int:
        for pattern, limit in self.uploads:
            if pattern.match(path):
                return limit
        return self.max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")
        max_bytes = self.limit_for(path)
        length = dict(scope["headers"]).get(b"content-length")
        if length is not None and length.isdigit() and int(length) > max_bytes:
            await _send_too_large(send, max_bytes, path)
            return
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > max_bytes:
                    raise BodyTooLarge
            return message

        try:
            await self.app(scope, limited_receive, send)
        except BodyTooLarge:
            await _send_too_large(send, max_bytes, path)


class BodyTooLarge(Exception):
    pass


async def _send_too_large(send: Send, limit: int, path: str) -> None:
    body = json.dumps(
        {
            "type": "/problems/body-too-large",
            "title": "Request body too large",
            "status": 413,
            "detail": f"Nội dung gửi lên vượt quá {limit} byte (body exceeds {limit} bytes)",
            "instance": path,
            "request_id": request_id_var.get(),
        },
        ensure_ascii=False,
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/problem+json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


#: Answers a refused request outside the API with a page of the web client (``app.py`` passes
#: the web client's error page).
PageError = Callable[[Request, int, str], Response]


class RejectNulMiddleware:
    """A NUL character in the decoded path or in a query parameter is refused with a 422 naming
    the parameter (``errors[].loc``), before any route runs: PostgreSQL refuses NUL in text, and a
    code or a search term carrying one would otherwise fail in the database. One check here
    covers every path and query parameter of every route — the documented ones, the fast paths
    that read their own query strings, and the web pages — where a pattern on each parameter
    would have to be repeated (and remembered) on every route. Bodies are checked by their
    models (``core.schemas.InputModel``). Outside ``/api/`` the answer is ``page_error``'s page.
    """

    def __init__(
        self, app: ASGIApp, page_error: PageError | None = None, api_prefix: str = "/api/"
    ) -> None:
        self.app = app
        self.page_error = page_error
        self.api_prefix = api_prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        locs = nul_locations(scope)
        if not locs:
            await self.app(scope, receive, send)
            return
        request = Request(scope, receive)
        what = " và ".join(loc[-1] for loc in locs)
        detail = NUL_MESSAGE.format(vi=what, en=", ".join(loc[-1] for loc in locs))
        response: Response
        if self.page_error is not None and not scope["path"].startswith(self.api_prefix):
            response = self.page_error(request, 422, detail)
        else:
            errors = [{"loc": list(loc), "msg": detail, "type": "nul_character"} for loc in locs]
            response = problem(
                request, 422, "invalid-input", "Invalid input", detail, errors=errors
            )
        await response(scope, receive, send)


def nul_locations(scope: Scope) -> list[tuple[str, str]]:
    """``("query", name)`` of each query parameter and ``("path", name)`` of each path parameter
    (``("path", "path")`` when no route names it) holding a NUL character."""
    locs: list[tuple[str, str]] = []
    query = scope.get("query_string", b"")
    if b"%00" in query or b"\x00" in query:
        for name, value in parse_qsl(query.decode("latin-1"), keep_blank_values=True):
            if "\x00" in name or "\x00" in value:
                locs.append(("query", name.replace("\x00", "\\x00")))
    if "\x00" in scope.get("path", ""):
        locs += [("path", name) for name in _path_parameters(scope)] or [("path", "path")]
    return locs


def _path_parameters(scope: Scope) -> list[str]:
    """Names of the path parameters holding NUL, read from the OpenAPI document's path templates
    (a static path wins over a template that also matches it); none outside the API."""
    app = scope.get("app")
    if app is None or not hasattr(app, "openapi"):
        return []
    if not hasattr(app.state, "path_templates"):
        app.state.path_templates = [
            (
                t.count("{"),
                re.compile("^" + re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(t)) + "$"),
            )
            for t in app.openapi()["paths"]
        ]
    hits = [(n, m) for n, rx in app.state.path_templates if (m := rx.match(scope["path"]))]
    if not hits:
        return []
    found = min(hits, key=lambda h: h[0])[1]
    return [name for name, value in found.groupdict().items() if "\x00" in value]
