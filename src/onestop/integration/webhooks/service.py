"""Creating, listing, deleting a client's webhooks and rotating their secret (no HTTP here).

Only API clients own webhooks, each one seeing only its own; a client needs ``dossier:view``,
since a webhook tells what the dossier list would show. Units given to narrow a subscription must
be inside the client's scope (403 otherwise). The secret is returned once, at create and rotate.

A URL is refused (422) unless it is http(s) with a host and no user name or password in it, and
its host is not the service's own public host (``public_base_url``: the service would call
itself). Loopback, private and link-local addresses (and ``localhost``) are refused too, unless
``webhook_allow_private_hosts`` is set (tests, a local setup); names are not resolved here, so a
public name that resolves to a private address is not caught.
"""

from __future__ import annotations

import base64
import ipaddress
import secrets
from urllib.parse import urlsplit

from sqlalchemy import Text, delete, select, type_coerce, update
from sqlalchemy.ext.asyncio import AsyncSession

from onestop.auth.audit import record
from onestop.auth.principal import Principal
from onestop.auth.rights import Right
from onestop.catalog import lookups
from onestop.core import clock, crypto
from onestop.core.errors import Forbidden, InvalidInput, NotFound
from onestop.core.settings import Settings
from onestop.dossiers.access import require_covers
from onestop.integration import relay
from onestop.integration.models import OutboxCursor, OutboxMessage
from onestop.integration.webhooks.models import ENCRYPTION_PURPOSE, WebhookSubscription
from onestop.integration.webhooks.schemas import WebhookCreate, WebhookRead, WebhookWithSecret

SECRET_PREFIX = "whsec_"  # noqa: S105 - the Standard Webhooks prefix, not a secret
SECRET_BYTES = 32
SCHEMES = frozenset({"http", "https"})
LOCAL_NAMES = frozenset({"localhost", "localhost.localdomain"})


W = WebhookSubscription


def new_secret() -> str:
    """A Standard Webhooks secret: ``whsec_`` and the base64 of 32 random bytes."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def _bad_url(reason: str) -> InvalidInput:
    return InvalidInput(
        f"Địa chỉ webhook không hợp lệ: {reason} (invalid webhook URL: {reason})",
        code="invalid-webhook-url",
        reason=reason,
    )


def _is_private(host: str) -> bool:
    if host in LOCAL_NAMES or host.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return not address.is_global


def check_url(url: str, settings: Settings) -> str:
    """The URL, or a 422 naming why it is refused."""
    try:
        parts = urlsplit(url.strip())
        host = (parts.hostname or "").rstrip(".").lower()
    except ValueError:
        raise _bad_url("not a URL") from None
    if parts.scheme.lower() not in SCHEMES:
        raise _bad_url("the scheme must be http or https")
    if not host:
        raise _bad_url("no host")
    if parts.username is not None or parts.password is not None:
        raise _bad_url("credentials in the URL")
    own = (urlsplit(settings.public_base_url).hostname or "").rstrip(".").lower()
    if host == own:
        raise _bad_url("it points at this service")
    if not settings.webhook_allow_private_hosts and _is_private(host):
        raise _bad_url("loopback, private or link-local host")
    return parts.geturl()


def _owner(principal: Principal) -> int:
    """The client id of the caller; users own no webhook."""
    if principal.kind != "client":
        raise Forbidden(
            "Chỉ ứng dụng (API client) mới đăng ký webhook (only API clients own webhooks)",
            code="api-client-only",
        )
    principal.require(Right.DOSSIER_VIEW)
    return principal.id


async def _check_units(session: AsyncSession, principal: Principal, codes: list[str]) -> list[str]:
    out: list[str] = []
    for code in dict.fromkeys(codes):
        unit = await lookups.unit_by_code(session, code)
        await require_covers(session, principal, unit)
        out.append(unit.code)
    return out


def _read(w: WebhookSubscription) -> WebhookRead:
    return WebhookRead(
        id=w.id,
        url=w.url,
        event_types=list(w.event_types),
        units=list(w.unit_codes),
        created_at=w.created_at,
        rotated_at=w.rotated_at,
    )


def _with_secret(w: WebhookSubscription, secret: str) -> WebhookWithSecret:
    return WebhookWithSecret(**_read(w).model_dump(), secret=secret)


def unknown_webhook(webhook_id: int) -> NotFound:
    return NotFound(
        f"Không có webhook số {webhook_id} (unknown webhook {webhook_id})",
        code="unknown-webhook",
    )


async def _own(session: AsyncSession, principal: Principal, webhook_id: int) -> WebhookSubscription:
    client_id = _owner(principal)
    w = await session.get(WebhookSubscription, webhook_id)
    if w is None or w.client_id != client_id:  # another client's webhook is unknown
        raise unknown_webhook(webhook_id)
    return w


def _audit(
    session: AsyncSession, principal: Principal, action: str, w: WebhookSubscription
) -> None:
    record(
        session,
        actor=principal.actor,
        action=f"webhook.{action}",
        object_type="webhook",
        object_id=str(w.id),
        detail={"url": w.url, "event_types": list(w.event_types)},
    )


async def create(
    session: AsyncSession, *, principal: Principal, body: WebhookCreate, settings: Settings
) -> WebhookWithSecret:
    """Subscribe; the webhook hears about events committed from now on."""
    client_id = _owner(principal)
    url = check_url(body.url, settings)
    units = await _check_units(session, principal, body.units)
    secret = new_secret()
    w = WebhookSubscription(
        client_id=client_id,
        url=url,
        event_types=sorted(set(body.event_types)),
        unit_codes=units,
        secret=secret,
        created_at=clock.now(),
    )
    session.add(w)
    await session.flush()
    await relay.start_at_end(session, w.destination, clock.now())
    _audit(session, principal, "create", w)
    await session.commit()
    return _with_secret(w, secret)


async def list_own(session: AsyncSession, *, principal: Principal) -> list[WebhookRead]:
    client_id = _owner(principal)
    rows = await session.execute(
        select(WebhookSubscription)
        .where(WebhookSubscription.client_id == client_id)
        .order_by(WebhookSubscription.id)
    )
    return [_read(w) for w in rows.scalars()]


async def remove(session: AsyncSession, *, principal: Principal, webhook_id: int) -> None:
    """Delete the webhook with its queued messages and feed position."""
    w = await _own(session, principal, webhook_id)
    name = w.destination
    _audit(session, principal, "delete", w)
    await session.execute(delete(OutboxMessage).where(OutboxMessage.destination == name))
    await session.execute(delete(OutboxCursor).where(OutboxCursor.destination == name))
    await session.delete(w)
    await session.commit()


async def rotate(
    session: AsyncSession, *, principal: Principal, webhook_id: int
) -> WebhookWithSecret:
    """A new secret; messages sent from now on are signed with it (the old one stops at once)."""
    w = await _own(session, principal, webhook_id)
    secret = new_secret()
    w.secret = secret
    w.rotated_at = clock.now()
    _audit(session, principal, "rotate-secret", w)
    await session.commit()
    return _with_secret(w, secret)


async def reencrypt_secrets(session: AsyncSession) -> int:
    """Bring every signing secret under the current data key (``onestop rotate-key``, with the
    applicants' data); commits and returns how many were rewritten. A subscription's secret must
    be read back to sign, so it cannot stay under a key that is about to be removed."""
    ring = crypto.keyring()
    stored = type_coerce(W.secret, Text)
    rows = (await session.execute(select(W.id, stored))).all()
    changed = 0
    for subscription_id, value in rows:
        if ring.key_of(str(value)) == ring.current:
            continue
        clear = ring.decrypt(str(value), ENCRYPTION_PURPOSE)
        await session.execute(update(W).where(W.id == subscription_id).values(secret=clear))
        changed += 1
    await session.commit()
    return changed
