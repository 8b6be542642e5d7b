"""The counter's hot path: ``POST /api/v1/dossiers`` without FastAPI's per-request machinery.

Intake is the busiest write (morning peaks at the counters and the portal). FastAPI's dependency
resolution, body re-validation and response-model check cost about as much CPU as the intake
itself, so the usual request (a bearer token, a JSON body that validates) is served here with
the same services, the same checks and the same exception handlers. Anything else (no token, an
unexpected content type, a body that does not parse or validate, a malformed header) is handed
unchanged to the documented FastAPI route, which gives the canonical 400/401/422 problems; the
OpenAPI document describes that route, and both answer alike.
"""

from __future__ import annotations

import orjson
from pydantic import ValidationError
from starlette.requests import Request
from starlette.routing import Match, Route
from starlette.types import Message, Receive, Scope, Send

from onestop import clock
from onestop.auth.dependencies import principal_from_token
from onestop.dossiers import intake_write
from onestop.dossiers.schemas import DossierCreate

MAX_KEY = 255


class FastIntake:
    """ASGI endpoint; ``route`` is the Starlette route it is mounted as (set by ``route()``)."""

    route: Route

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        scope["route"] = self.route  # the access log and metrics name the route's path
        request = Request(scope, receive)
        parsed = await self._parse(request)
        if parsed is None:
            await self._fallback(scope, await request.body(), send)
            return
        token, key, body = parsed
        app = scope["app"]
        async with app.state.sessionmaker() as session:
            principal = await principal_from_token(request, session, token)
            outcome = await intake_write.submit(
                session,
                principal=principal,
                body=body,
                at=clock.now(),
                server_key=app.state.settings.secret_key,
                idempotency_key=key,
            )
        code = outcome.receipt.code
        headers = [
            (b"content-type", b"application/json"),
            (b"location", f"/api/v1/dossiers/{code}".encode()),
        ]
        if outcome.replayed:
            headers.append((b"idempotent-replayed", b"true"))
        payload = outcome.receipt.__pydantic_serializer__.to_json(outcome.receipt)
        headers.append((b"content-length", str(len(payload)).encode()))
        start = {"type": "http.response.start", "status": outcome.status_code, "headers": headers}
        await send(start)
        await send({"type": "http.response.body", "body": payload})

    @staticmethod
    async def _parse(request: Request) -> tuple[str, str | None, DossierCreate] | None:
        """(token, Idempotency-Key, body) for the usual request; None sends it to FastAPI."""
        headers = request.headers
        scheme, _, token = headers.get("authorization", "").partition(" ")
        key = headers.get("idempotency-key")
        content_type = headers.get("content-type", "").split(";", 1)[0].strip().lower()
        if scheme.lower() != "bearer" or not token or content_type != "application/json":
            return None
        if key is not None and len(key) > MAX_KEY:
            return None
        try:
            # As FastAPI does: the JSON decoded first, then validated as Python data.
            body = DossierCreate.model_validate(orjson.loads(await request.body()))
        except (orjson.JSONDecodeError, ValidationError):
            return None
        return token, key, body

    async def _fallback(self, scope: Scope, body: bytes, send: Send) -> None:
        """The next route that matches (the FastAPI route), with the body already read."""
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
        raise RuntimeError("the documented intake route is missing")  # pragma: no cover


class _PostOnly(Route):
    """Matches POST alone: other methods reach the documented routes of the path (GET lists
    dossiers), which answer them and their 405s with the full ``Allow`` header."""

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if scope["type"] != "http" or scope["method"] != "POST":
            return Match.NONE, {}
        return super().matches(scope)


def route(path: str) -> Route:
    """The fast intake as a route to put before the documented one."""
    endpoint = FastIntake()
    endpoint.route = _PostOnly(path, endpoint, methods=["POST"], include_in_schema=False)
    return endpoint.route
