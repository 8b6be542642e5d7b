"""The ``email`` and ``sms`` destinations: which dossiers and events they hear about, and one
notification per claimed message.

Screening: only dossiers whose applicant left that contact get messages (read when the event is
relayed). A contact removed by a correction before the message goes makes it go nowhere: it is
recorded as delivered, with nothing sent.

The lookup link of the receipt carries the receipt's lookup secret when it can be produced
again: the secret is stored only as a salted hash, but an intake made with an Idempotency-Key
(the counter's form always sends one) keeps the nonce it was derived from with the server key
(``dossiers.intake.lookup_secret.derive_secret``) for ``idempotency_key_days``; the derived
secret is used only when it matches the stored hash. Otherwise, and in every later message, the
link names the dossier only and the lookup page asks for the secret printed on the receipt.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from onestop.catalog.models import Procedure, Unit
from onestop.core.db import among
from onestop.core.settings import Settings
from onestop.dossiers.intake.lookup_secret import derive_secret, secret_matches
from onestop.dossiers.intake.write import NONCE
from onestop.dossiers.models import Dossier, DossierEvent, IdempotencyKey
from onestop.dossiers.schemas import phone_e164
from onestop.integration.destinations import DeliveryFailed, Message, each
from onestop.integration.feed import Change
from onestop.integration.notify import content
from onestop.integration.notify.senders import SmsSender, Smtp, SmtpSender

#: The dossier column each channel reaches the applicant at (encrypted; NULL when not given).
CONTACTS = {content.EMAIL: Dossier.applicant_email, content.SMS: Dossier.applicant_phone}


@dataclass(frozen=True)
class Outgoing:
    """One rendered notification (``to`` None: the contact is gone, nothing to send)."""

    event_id: int
    to: str | None
    subject: str
    text: str


async def _secret(session: AsyncSession, d: Dossier, server_key: str) -> str | None:
    """The receipt's lookup secret, when it can be produced again and matches (see above)."""
    stored = (
        await session.execute(
            select(IdempotencyKey.response).where(IdempotencyKey.dossier_id == d.id).limit(1)
        )
    ).scalar_one_or_none()
    nonce = stored.get(NONCE) if isinstance(stored, dict) else None
    if not nonce:
        return None
    secret = derive_secret(server_key, str(nonce))
    return secret if secret_matches(d.secret_hash, secret) else None


async def _speaker(session: AsyncSession, kind: str, d: Dossier, payload: dict[str, Any]) -> Unit:
    """The unit that speaks: the counter for receipt and supplement, the unit that issued the
    apology, the returning counter for the result."""
    if kind == content.APOLOGY and payload.get("issuing_unit"):
        unit = (
            await session.execute(select(Unit).where(Unit.code == str(payload["issuing_unit"])))
        ).scalar_one_or_none()
        if unit is not None:
            return unit
    unit_id = {content.RESULT: d.returning_unit_id, content.APOLOGY: d.competent_unit_id}.get(
        kind, d.receiving_unit_id
    )
    return (await session.execute(select(Unit).where(Unit.id == unit_id))).scalar_one()


async def _notice(
    session: AsyncSession, m: Message, settings: Settings
) -> tuple[Dossier, content.Notice]:
    ev = (
        await session.execute(select(DossierEvent).where(DossierEvent.id == m.event_id))
    ).scalar_one()
    d = (await session.execute(select(Dossier).where(Dossier.id == m.dossier_id))).scalar_one()
    procedure = (
        await session.execute(select(Procedure.name).where(Procedure.id == d.procedure_id))
    ).scalar_one()
    payload = dict(ev.payload or {})
    unit = await _speaker(session, m.kind, d, payload)
    secret = await _secret(session, d, settings.secret_key) if m.kind == content.RECEIPT else None
    notice = content.Notice(
        kind=m.kind,
        code=d.code,
        procedure=procedure,
        event_type=ev.type,
        event_at=ev.at,
        payload=payload,
        unit=content.UnitContact(unit.name, unit.address, unit.hotline),
        return_method=d.return_method,
        lookup_url=content.lookup_url(settings.public_base_url, d.code, secret),
        lookup_with_secret=secret is not None,
    )
    return d, notice


class _Notifications:
    """What both channels share: screening, reading the facts, and the one message a claim
    holds (``chunked_kinds`` is empty)."""

    name: str
    chunked_kinds: frozenset[str] = frozenset()

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def kind_of(self, change: Change) -> str | None:
        return content.kind_of(change)

    async def screen(self, session: AsyncSession, dossier_ids: set[int]) -> set[int]:
        rows = await session.execute(
            select(Dossier.id).where(
                among(session, Dossier.id, dossier_ids), CONTACTS[self.name].is_not(None)
            )
        )
        return {int(r[0]) for r in rows}

    async def prepare(
        self, session: AsyncSession, groups: Sequence[Sequence[Message]]
    ) -> list[Outgoing | DeliveryFailed]:
        """The round's notices, one after the other (far fewer than the portal's messages)."""

        async def one(messages: Sequence[Message]) -> Outgoing:
            (m,) = messages
            d, notice = await _notice(session, m, self.settings)
            to = self.address(d)
            return Outgoing(m.event_id, to, content.subject(notice), self.render(notice))

        return await each(groups, one, self.name)

    def address(self, d: Dossier) -> str | None:
        raise NotImplementedError

    def render(self, notice: content.Notice) -> str:
        raise NotImplementedError


class EmailDestination(_Notifications):
    name = content.EMAIL

    def __init__(self, settings: Settings) -> None:
        super().__init__(settings)
        self.sender = SmtpSender(
            Smtp(
                host=settings.smtp_host,
                port=settings.smtp_port,
                user=settings.smtp_user,
                password=settings.smtp_password,
                starttls=settings.smtp_starttls,
                sender=settings.smtp_from,
                timeout=settings.smtp_timeout_seconds,
            )
        )

    @classmethod
    def from_settings(cls, settings: Settings) -> EmailDestination | None:
        return cls(settings) if settings.smtp_host else None

    def address(self, d: Dossier) -> str | None:
        return d.applicant_email or None

    def render(self, notice: content.Notice) -> str:
        return content.render(notice, content.EMAIL)

    async def send(self, prepared: object) -> None:
        assert isinstance(prepared, Outgoing)
        if prepared.to is not None:
            key = f"{self.name}.{prepared.event_id}"
            await self.sender.send(prepared.to, prepared.subject, prepared.text, key)

    async def aclose(self) -> None:
        return None


class SmsDestination(_Notifications):
    name = content.SMS

    def __init__(self, settings: Settings, **http: Any) -> None:
        super().__init__(settings)
        self.sender = SmsSender(
            settings.sms_url, token=settings.sms_token, timeout=settings.sms_timeout_seconds, **http
        )

    @classmethod
    def from_settings(cls, settings: Settings) -> SmsDestination | None:
        return cls(settings) if settings.sms_url else None

    def address(self, d: Dossier) -> str | None:
        if not d.applicant_phone:
            return None
        try:
            return phone_e164(d.applicant_phone)
        except ValueError:  # e.g. an imported number that is not Vietnamese
            raise DeliveryFailed("the applicant's phone is not a Vietnamese number") from None

    def render(self, notice: content.Notice) -> str:
        return content.sms_text(notice, ascii_only=self.settings.sms_ascii)

    async def send(self, prepared: object) -> None:
        assert isinstance(prepared, Outgoing)
        if prepared.to is not None:
            await self.sender.send(prepared.to, prepared.text)

    async def aclose(self) -> None:
        await self.sender.aclose()
