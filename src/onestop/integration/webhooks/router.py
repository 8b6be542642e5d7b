"""HTTP routes of an API client's webhooks: create, list, delete, rotate the secret."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request, Response

from onestop.auth.dependencies import CurrentPrincipal
from onestop.http.deps import SessionDep
from onestop.integration.webhooks import service
from onestop.integration.webhooks.schemas import WebhookCreate, WebhookRead, WebhookWithSecret

router = APIRouter()
TAG = "webhooks"
WebhookId = Annotated[int, Path(ge=1, le=2**62)]


@router.post(
    "/webhooks",
    status_code=201,
    tags=[TAG],
    summary="Subscribe to dossier events (Standard Webhooks); the secret is shown only now",
)
async def create_webhook(
    body: WebhookCreate, request: Request, session: SessionDep, principal: CurrentPrincipal
) -> WebhookWithSecret:
    """An API client with ``dossier:view`` subscribes a URL to the dossier event types it names,
    optionally narrowed to units inside its scope (403 otherwise); it hears about events committed
    from now on. The signing secret is returned only in this response; a URL that is not http(s),
    carries credentials, names this service or (unless allowed) a private address answers 422, and
    users (not clients) get 403."""
    settings = request.app.state.settings
    return await service.create(session, principal=principal, body=body, settings=settings)


@router.get("/webhooks", tags=[TAG], summary="The calling client's webhooks")
async def list_webhooks(session: SessionDep, principal: CurrentPrincipal) -> list[WebhookRead]:
    """The webhooks of the calling API client (each client sees only its own), without their
    secrets; users get 403."""
    return await service.list_own(session, principal=principal)


@router.delete(
    "/webhooks/{webhook_id}",
    status_code=204,
    response_class=Response,
    tags=[TAG],
    summary="Delete a webhook and drop its undelivered messages",
)
async def delete_webhook(
    webhook_id: WebhookId, session: SessionDep, principal: CurrentPrincipal
) -> Response:
    """Delete one of the calling client's webhooks together with its undelivered messages and its
    feed position; another client's or an unknown webhook answers 404."""
    await service.remove(session, principal=principal, webhook_id=webhook_id)
    return Response(status_code=204)


@router.post(
    "/webhooks/{webhook_id}/rotate-secret",
    tags=[TAG],
    summary="Replace a webhook's signing secret (the old one stops at once)",
)
async def rotate_webhook_secret(
    webhook_id: WebhookId, session: SessionDep, principal: CurrentPrincipal
) -> WebhookWithSecret:
    """Replace the signing secret of one of the calling client's webhooks: messages sent from now
    on are signed with the new secret, returned only in this response, and the old one stops at
    once."""
    return await service.rotate(session, principal=principal, webhook_id=webhook_id)


__all__ = ["router"]
