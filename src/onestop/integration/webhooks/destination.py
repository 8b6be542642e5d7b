"""A webhook subscription as a destination of the outbox: which events it hears about (its event
types, for dossiers inside the client's scope), and one signed POST per message.

The body is built from the message's event (the statuses before and after it, when, which unit),
never from the dossier's later state, and holds no personal data: the same message sent twice
is the same body with the same ``webhook-id`` (``msg_<subscription>_<event id>``). The
``webhook-timestamp`` is the time of the attempt on the real clock, since the receiver checks it
against its own; the signature (Standard Webhooks, ``standardwebhooks``) covers id, timestamp and
body. A 2xx answer is success; anything else, a redirect included, is retried.

Scope: the client's scope (``GET /api/v1/dossiers``) and the subscription's units, read when the
relay queues an event; a client switched off or without ``dossier:view`` hears about nothing.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from standardwebhooks import Webhook

from onestop.auth.models import ApiClient
from onestop.auth.principal import Principal
from onestop.catalog.models import Unit
from onestop.core.db import among
from onestop.core.errors import Forbidden
from onestop.dossiers import listing
from onestop.dossiers.models import Dossier, DossierEvent
from onestop.dossiers.states import EventType
from onestop.integration.destinations import DeliveryFailed, Message, each
from onestop.integration.feed import Change
from onestop.integration.webhooks import events
from onestop.integration.webhooks.models import WebhookSubscription


def wall_clock() -> dt.datetime:
    return dt.datetime.now(dt.UTC)  # noqa: TID251 - the receiver compares it with its own clock


@dataclass(frozen=True)
class Prepared:
    url: str
    message_id: str
    body: bytes
    secret: str = dataclasses.field(repr=False)


def message_id(subscription_id: int, event_id: int) -> str:
    """The ``webhook-id`` of an event's message: the same on every attempt, whichever worker
    makes it."""
    return f"msg_{subscription_id}_{event_id}"


class WebhookDestination:
    chunked_kinds: frozenset[str] = frozenset()

    def __init__(
        self,
        subscription: WebhookSubscription,
        scopes: Sequence[Principal],
        http: httpx.AsyncClient,
        wall: Callable[[], dt.datetime] = wall_clock,
    ) -> None:
        self.name = subscription.destination
        self.subscription_id = subscription.id
        self.url = subscription.url
        self.wanted = frozenset(subscription.event_types)
        self._secret = subscription.secret
        self.scopes = list(scopes)
        self.http = http
        self.wall = wall

    def kind_of(self, change: Change) -> str | None:
        return events.kind_for(change, self.wanted)

    async def screen(self, session: AsyncSession, dossier_ids: set[int]) -> set[int]:
        """The dossiers inside the client's scope and the subscription's units, as they are now."""
        stmt = select(Dossier.id).where(among(session, Dossier.id, dossier_ids))
        try:
            for principal in self.scopes:
                clause = await listing.scope_clause(session, principal)
                if clause is not None:
                    stmt = stmt.where(clause)
        except Forbidden:  # the client lost dossier:view: it hears about nothing
            return set()
        return {int(i) for i in (await session.execute(stmt)).scalars()}

    async def prepare(
        self, session: AsyncSession, groups: Sequence[Sequence[Message]]
    ) -> list[Prepared | DeliveryFailed]:
        """The round's signed bodies, their events read in one query."""
        e = DossierEvent
        rows = await session.execute(
            select(
                e.id,
                e.seq,
                e.type,
                e.at,
                e.from_status,
                e.to_status,
                Dossier.code,
                Unit.code,
                e.payload,
            )
            .join(Dossier, Dossier.id == e.dossier_id)
            .outerjoin(Unit, Unit.id == e.unit_id)
            .where(among(session, e.id, [m.event_id for group in groups for m in group]))
        )
        facts = {int(row[0]): row[1:] for row in rows}

        async def one(messages: Sequence[Message]) -> Prepared:
            (m,) = messages  # no chunked kinds: one message per claim
            return self._body(m, facts[m.event_id])

        return await each(groups, one, self.name)

    def _body(self, m: Message, event: Sequence[Any]) -> Prepared:
        seq, type_, at, from_status, to_status, code, unit, payload = event
        body: dict[str, Any] = {
            "type": events.wire_type(m.kind),
            "timestamp": _iso(at),
            "data": {
                "dossier": code,
                "event_id": m.event_id,
                "seq": seq,
                "event": type_,
                "at": _iso(at),
                "from_status": from_status,
                "to_status": to_status,
                "unit": unit,
            },
        }
        if type_ == EventType.RATED:  # the level alone: a comment may name people
            body["data"]["rating"] = (payload or {}).get("level")
        raw = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
        return Prepared(self.url, message_id(self.subscription_id, m.event_id), raw, self._secret)

    async def send(self, prepared: object) -> None:
        assert isinstance(prepared, Prepared)
        moment = self.wall()
        headers = {
            "content-type": "application/json",
            "webhook-id": prepared.message_id,
            "webhook-timestamp": str(int(moment.timestamp())),
            "webhook-signature": Webhook(prepared.secret).sign(
                prepared.message_id, moment, prepared.body
            ),
        }
        try:
            resp = await self.http.post(prepared.url, content=prepared.body, headers=headers)
        except httpx.HTTPError as exc:
            raise DeliveryFailed(f"request failed: {type(exc).__name__}") from None
        if not 200 <= resp.status_code < 300:
            raise DeliveryFailed(f"HTTP {resp.status_code}")

    async def aclose(self) -> None:
        """Nothing: the HTTP client is shared by every webhook (``WebhookSender``)."""


def _iso(at: dt.datetime) -> str:
    return at.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def client_principal(client: ApiClient) -> Principal:
    """The client as the dossier list sees it (its scopes and granted units)."""
    return Principal(
        kind="client",
        id=client.id,
        name=client.client_id,
        full_name=client.name,
        rights=frozenset(client.scopes),
        unit_codes=tuple(client.unit_codes),
    )


class WebhookSender:
    """The HTTP client every webhook shares, and the loading of the subscriptions (read again on
    every pass of the worker, so a new or deleted webhook takes effect on the next one)."""

    def __init__(
        self, *, timeout: float, transport: Any = None, wall: Callable[[], dt.datetime] = wall_clock
    ) -> None:
        self.http = httpx.AsyncClient(timeout=timeout, follow_redirects=False, transport=transport)
        self.wall = wall

    async def destinations(self, session: AsyncSession) -> list[WebhookDestination]:
        rows = await session.execute(
            select(WebhookSubscription, ApiClient)
            .join(ApiClient, ApiClient.id == WebhookSubscription.client_id)
            .where(ApiClient.is_active.is_(True))
            .order_by(WebhookSubscription.id)
        )
        out = []
        for w, client in rows.all():
            principal = client_principal(client)
            scopes = [principal]
            if w.unit_codes:
                scopes.append(dataclasses.replace(principal, unit_codes=tuple(w.unit_codes)))
            out.append(WebhookDestination(w, scopes, self.http, self.wall))
        return out

    async def aclose(self) -> None:
        await self.http.aclose()
