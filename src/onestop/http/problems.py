"""RFC 9457 problem details: errors mapped to problems (their types and schema in the OpenAPI
document: ``http.problem_types``, ``http.openapi``).

Errors nobody else handled are answered by ``ErrorBoundary``, a middleware inside the request
context rather than an ``exception_handler(Exception)``: Starlette runs such a handler in its
outermost middleware and then raises the exception again, so uvicorn logged a second, unmasked
traceback and closed the connection — a keep-alive client saw its connection reset. The boundary
returns the response: one masked log line, and the connection stays open. A database that cannot
be reached (``core.unavailable``: a restart, a failover, a full pool) is a 503 with
``Retry-After`` and a warning line, never a 500.
"""

from __future__ import annotations

import asyncio
import logging
import re
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from onestop.core.errors import DomainError
from onestop.core.unavailable import database_unavailable

log = logging.getLogger("onestop.app")

PROBLEM_MEDIA_TYPE = "application/problem+json"


#: Seconds a client is asked to wait (``Retry-After``) while the database cannot be reached: a
#: restart or a failover takes a few.
RETRY_AFTER_SECONDS = 2
DATABASE_UNAVAILABLE_DETAIL = (
    "Cơ sở dữ liệu tạm thời không truy cập được; chưa có gì thay đổi, hãy thử lại sau ít giây"
    " (the database is unavailable for a moment; nothing was changed, retry in a few seconds)"
)


def problem(
    request: Request,
    status: int,
    code: str,
    title: str,
    detail: str | None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": f"/problems/{code}",
        "title": title,
        "status": status,
        "detail": detail,
        "instance": request.url.path,
        "request_id": getattr(request.state, "request_id", None),
    }
    body.update(extra)
    headers = dict(headers or {})
    if status == 401:
        headers["WWW-Authenticate"] = "Bearer"
    return JSONResponse(body, status_code=status, media_type=PROBLEM_MEDIA_TYPE, headers=headers)


#: Methods an ``Allow`` header may name.
METHODS = ("DELETE", "GET", "HEAD", "PATCH", "POST", "PUT")


def _documented_methods(app: FastAPI, path: str) -> list[str] | None:
    """The methods the OpenAPI document gives the path, or None when it documents no such path.
    A static path wins over a template that also matches it (``/dossiers/import`` is not
    ``/dossiers/{code}``)."""
    if not hasattr(app.state, "path_patterns"):
        app.state.path_patterns = [
            (re.compile("^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(t)) + "$"), t, ops)
            for t, ops in app.openapi()["paths"].items()
        ]
    hits = [(t.count("{"), ops) for rx, t, ops in app.state.path_patterns if rx.match(path)]
    if not hits:
        return None
    ops = min(hits, key=lambda h: h[0])[1]
    return sorted(m.upper() for m in ops if m.upper() in METHODS)


def _allowed_methods(request: Request) -> list[str]:
    """Every method served on this path: the documented ones for the API; elsewhere asked of the
    routes one method at a time (FastAPI registers one route per method and nests included
    routers, so Starlette's own Allow header names only the first route's)."""
    documented = _documented_methods(request.app, request.url.path)
    if documented is not None:
        return documented
    routes = request.app.router.routes
    return [
        method
        for method in METHODS
        if any(
            route.matches({**request.scope, "method": method})[0] == Match.FULL for route in routes
        )
    ]


def install_error_handlers(app: FastAPI) -> None:
    """Every error, as a problem: domain errors with their own status and code, validation
    errors as 400/422, HTTP errors with their Allow headers (anything else: ``ErrorBoundary``,
    which ``create_app`` puts inside the request context)."""

    @app.exception_handler(DomainError)
    async def domain_error(request: Request, exc: DomainError) -> JSONResponse:
        headers = (
            {"Retry-After": str(exc.extra["retry_after"])} if "retry_after" in exc.extra else None
        )
        return problem(request, exc.status, exc.code, exc.title, exc.detail, headers, **exc.extra)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {
                "loc": [str(p) for p in e.get("loc", ())],
                "msg": str(e.get("msg", "")),
                "type": str(e.get("type", "")),
            }
            for e in exc.errors()
        ]
        if any(e["type"] == "json_invalid" for e in errors):
            return problem(
                request,
                400,
                "malformed-json",
                "Malformed JSON",
                "Nội dung JSON không hợp lệ (the request body is not valid JSON)",
                errors=errors,
            )
        return problem(
            request,
            422,
            "invalid-input",
            "Invalid input",
            "Dữ liệu gửi lên không hợp lệ (the request failed validation)",
            errors=errors,
        )

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        titles = {404: "Not found", 405: "Method not allowed", 400: "Bad request"}
        headers = dict(exc.headers or {})
        if exc.status_code == 405:
            headers["Allow"] = ", ".join(_allowed_methods(request))
        code = {404: "not-found", 405: "method-not-allowed"}.get(exc.status_code, "http-error")
        return problem(
            request,
            exc.status_code,
            code,
            titles.get(exc.status_code, "HTTP error"),
            str(exc.detail),
            headers=headers,
        )


def unexpected(request: Request, exc: Exception) -> JSONResponse:
    """The answer to an error no handler took: 503 when the database cannot be reached (a warning
    line), else 500 (the error line, with the masked traceback)."""
    if database_unavailable(exc):
        log.warning(
            "database unavailable on %s %s: %s", request.method, request.url.path, describe(exc)
        )
        return problem(
            request,
            503,
            "database-unavailable",
            "Service unavailable",
            DATABASE_UNAVAILABLE_DETAIL,
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        )
    log.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return problem(
        request,
        500,
        "internal-error",
        "Internal server error",
        "Lỗi hệ thống; hãy báo mã yêu cầu cho quản trị (quote the request id to an administrator)",
    )


def describe(exc: BaseException) -> str:
    """The error's class and the first line of its message (SQLAlchemy adds the statement)."""
    first = str(exc).strip().splitlines()[:1]
    return f"{type(exc).__name__}: {first[0]}" if first else type(exc).__name__


class ErrorBoundary:
    """Answers every error that reached it with ``unexpected`` and returns normally, so the
    server keeps the connection. An error after the whole response was sent (a dependency's
    clean-up, a background task) is logged the same way, and the connection kept too. Only an
    error in the middle of a response goes on to the server, which logs it (through the same
    masking formatter) and must close the connection: the response is cut.

    A request still running when the graceful shutdown's time is up (``onestop serve
    --graceful-timeout``) is cancelled by uvicorn, which would answer a bare 500 and log a
    traceback; it gets a 503 ``server-shutting-down`` instead (another instance, or this one
    restarted, can take the retry), and the cancellation ends here, at the top of the request's
    task, which nothing awaits."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = complete = False

        async def watch(message: Message) -> None:
            nonlocal started, complete
            if message["type"] == "http.response.start":
                started = True
            elif message["type"] == "http.response.body" and not message.get("more_body"):
                complete = True
            await send(message)

        try:
            await self.app(scope, receive, watch)
        except Exception as exc:
            if started and not complete:
                raise  # a response cut short: the server logs it and closes the connection
            response = unexpected(Request(scope), exc)  # the one log line
            if not started:
                await response(scope, receive, send)
        except asyncio.CancelledError:
            if started:
                raise
            request = Request(scope)
            log.warning(
                "request cancelled on %s %s: the server is shutting down",
                request.method,
                request.url.path,
            )
            await problem(
                request,
                503,
                "server-shutting-down",
                "Service unavailable",
                "Máy chủ đang dừng; hãy gửi lại yêu cầu sau ít giây"
                " (the server is shutting down; send the request again in a few seconds)",
                headers={"Retry-After": str(RETRY_AFTER_SECONDS), "Connection": "close"},
            )(scope, receive, send)
