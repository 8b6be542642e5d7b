"""A dossier's notifications as staff see them (``GET /api/v1/dossiers/{code}/notifications``):
per message its channel, moment, state and when it was delivered — the recipient masked
(``a***@example.vn``, ``******5678``), never in clear."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from onestop.auth.principal import Principal
from onestop.dossiers.models import Dossier
from onestop.dossiers.personal_data import mask_recipient
from onestop.dossiers.schemas import Instant
from onestop.integration import admin
from onestop.integration.models import OutboxMessage
from onestop.integration.notify import content

M = OutboxMessage
CHANNELS = (content.EMAIL, content.SMS)


class NotificationRead(BaseModel):
    id: int
    channel: Literal["email", "sms"]
    kind: Literal["receipt", "supplement", "apology", "result"] = Field(
        description="The moment told: receipt, supplement request, apology with a new"
        " appointment, result"
    )
    state: Literal["pending", "failing", "delivered", "dead"]
    to: str | None = Field(description="The recipient, masked")
    attempts: int
    created_at: Instant
    delivered_at: Instant | None
    failing_since: Instant | None
    last_error: str | None = Field(description="Why the last attempt failed (no personal data)")


def _state(m: OutboxMessage) -> Literal["pending", "failing", "delivered", "dead"]:
    if m.state == "delivered":
        return "delivered"
    if m.state == "dead":
        return "dead"
    return "failing" if m.failing_since is not None else "pending"


async def dossier_notifications(
    session: AsyncSession, *, principal: Principal, code: str
) -> list[NotificationRead]:
    dossier_id = await admin.visible_dossier_id(session, principal, code)
    email, phone = (
        await session.execute(
            select(Dossier.applicant_email, Dossier.applicant_phone).where(Dossier.id == dossier_id)
        )
    ).one()
    contacts = {content.EMAIL: email, content.SMS: phone}
    rows = (
        await session.execute(
            select(M)
            .where(M.dossier_id == dossier_id, M.destination.in_(CHANNELS))
            .order_by(M.seq, M.destination)
        )
    ).scalars()
    return [
        NotificationRead(
            id=m.id,
            channel=m.destination,
            kind=m.kind,
            state=_state(m),
            to=mask_recipient(m.destination, value) if (value := contacts[m.destination]) else None,
            attempts=m.attempts,
            created_at=m.created_at,
            delivered_at=m.delivered_at,
            failing_since=m.failing_since,
            last_error=m.last_error,
        )
        for m in rows
    ]
