"""ASGI middleware: a request id, timing and Prometheus counts for every request, and the request-
body size limit."""

from __future__ import annotations

import json
import logging
import random
import re
import time
from collections.abc import Awaitable, Callable, Sequence

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from onestop.core.logs import request_id_var


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


class RequestContextMiddleware:
    """Assigns a request id (or keeps a sane incoming ``X-Request-ID``); times, counts requests."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = dict(scope["headers"]).get(b"x-request-id", b"").decode("latin-1")
        rid = incoming if re.fullmatch(r"[A-Za-z0-9._-]{8,64}", incoming) else _new_id()
        request_id_var.set(rid)  # each request runs in its own task: no reset needed
        scope.setdefault("state", {})["request_id"] = rid
        started = time.perf_counter()
        status = 500

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", []), (b"x-request-id", rid.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
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
                },
            )


class BodySizeLimitMiddleware:
    """Refuses bodies over the limit with a 413 problem before the app reads them."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = dict(scope["headers"]).get(b"content-length")
        if length is not None and length.isdigit() and int(length) > self.max_bytes:
            await _send_too_large(send, self.max_bytes, scope.get("path", ""))
            return
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise BodyTooLarge
            return message

        try:
            await self.app(scope, limited_receive, send)
        except BodyTooLarge:
            await _send_too_large(send, self.max_bytes, scope.get("path", ""))


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
