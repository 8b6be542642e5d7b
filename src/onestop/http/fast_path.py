"""Hot paths served without FastAPI's per-request machinery, in front of their documented routes.

FastAPI's dependency resolution, parameter and body validation and response-model check cost
about as much CPU as a counter intake or a worklist page itself. A fast endpoint serves only the
usual request of its route (a bearer token, parameters or a body of the expected shape) with the
same services, checks and exception handlers (its errors propagate to the app's handlers as the
route's would); anything else is handed unchanged to the documented route, which gives the
canonical 400/401/422 problems. The OpenAPI document describes that route, and the tests check
that both answer alike.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from starlette.requests import Request
from starlette.routing import Match, Route
from starlette.types import Message, Receive, Scope, Send


class FastEndpoint:
    """An ASGI endpoint: ``serve`` answers the usual request and returns True, or returns False
    before sending anything to let the documented route answer it."""

    route: Route

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        scope["route"] = self.route  # the access log and metrics name the route's path
        request = Request(scope, receive)
        if not await self.serve(request, send):
            await self._fallback(scope, await request.body(), send)

    async def serve(self, request: Request, send: Send) -> bool:  # pragma: no cover - abstract
        raise NotImplementedError

    async def _fallback(self, scope: Scope, body: bytes, send: Send) -> None:
        """The next route that matches (the documented one), with the body already read."""
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if sent:
                return {"type": "http.disconnect"}
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        for candidate in scope["app"].router.routes:
            if candidate is self.route:
                continue
            match, child = candidate.matches(scope)
            if match == Match.FULL:
                scope.update(child)
                try:
                    await candidate.handle(scope, replay, send)
                finally:
                    scope["route"] = self.route  # logged under the same path template
                return
        raise RuntimeError(f"no documented route for {scope['path']}")  # pragma: no cover


class _OneMethod(Route):
    """Matches its one method alone (not even HEAD for GET): other methods reach the documented
    routes of the path, which answer them (and their 405s, with the full ``Allow`` header)."""

    def __init__(self, path: str, endpoint: FastEndpoint, method: str) -> None:
        super().__init__(path, endpoint, methods=[method], include_in_schema=False)
        self.method = method

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if scope["type"] != "http" or scope["method"] != self.method:
            return Match.NONE, {}
        return super().matches(scope)


def route(path: str, method: str, endpoint: FastEndpoint) -> Route:
    """The endpoint as a route, to be put before the documented one."""
    endpoint.route = _OneMethod(path, endpoint, method)
    return endpoint.route


def install(app: Any, routes: Sequence[Route]) -> None:
    """Put the fast endpoints in front of every route, so they see their requests first."""
    app.router.routes[0:0] = list(routes)


def bearer(request: Request) -> str | None:
    """The bearer token, read as FastAPI's OAuth2 scheme reads it (spaces around it ignored)."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    token = token.strip()
    return token if scheme.lower() == "bearer" and token else None


async def send_json(
    send: Send, status: int, payload: bytes, headers: Sequence[tuple[bytes, bytes]] = ()
) -> None:
    head = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(payload)).encode()),
        *headers,
    ]
    await send({"type": "http.response.start", "status": status, "headers": head})
    await send({"type": "http.response.body", "body": payload})
