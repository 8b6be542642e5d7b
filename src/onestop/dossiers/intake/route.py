"""The counter's hot path: ``POST /api/v1/dossiers`` as a fast endpoint (``http.fast_path``).

Served here: a bearer token, a JSON body that validates and an Idempotency-Key of legal length.
Everything else goes to the documented route in ``router``."""

from __future__ import annotations

import orjson
from pydantic import ValidationError
from starlette.requests import Request
from starlette.routing import Route
from starlette.types import Send

from onestop.auth.dependencies import principal_from_token
from onestop.core import clock
from onestop.dossiers.intake import idempotency, write as intake_write
from onestop.dossiers.schemas import DossierCreate
from onestop.http import fast_path


class FastIntake(fast_path.FastEndpoint):
    async def serve(self, request: Request, send: Send) -> bool:
        token, key = fast_path.bearer(request), request.headers.get("idempotency-key")
        content_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
        if token is None or content_type != "application/json":
            return False
        if key is not None and len(key) > idempotency.MAX_KEY_LENGTH:
            return False
        try:
            # As FastAPI does: the JSON decoded first, then validated as Python data.
            body = DossierCreate.model_validate(orjson.loads(await request.body()))
        except (orjson.JSONDecodeError, ValidationError):
            return False
        app = request.app
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
        headers = [(b"location", f"/api/v1/dossiers/{outcome.receipt.code}".encode())]
        if outcome.replayed:
            headers.append((b"idempotent-replayed", b"true"))
        payload = outcome.receipt.__pydantic_serializer__.to_json(outcome.receipt)
        await fast_path.send_json(send, outcome.status_code, payload, headers)
        return True


def route(path: str) -> Route:
    return fast_path.route(path, "POST", FastIntake())
