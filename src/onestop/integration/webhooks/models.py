"""A client's webhook subscription. The signing secret must be read back to sign, so it is
stored encrypted (``core.crypto``, like personal data), never hashed; ``unit_codes`` narrows the
client's scope (empty: the whole scope)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from onestop.core.db import Base, BigId, EncryptedText, UTCDateTime

#: Destination names of the outbox: ``webhook:<id>``.
PREFIX = "webhook:"
#: The purpose the secret is encrypted for (bound into the ciphertext, like a column name).
ENCRYPTION_PURPOSE = "webhook_secret"


class WebhookSubscription(Base):
    __tablename__ = "webhook_subscription"
    __table_args__ = (Index("ix_webhook_subscription_client", "client_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("api_client.id", ondelete="CASCADE"))
    url: Mapped[str] = mapped_column(String(2000))
    event_types: Mapped[list[str]] = mapped_column(JSON, default=list)
    unit_codes: Mapped[list[str]] = mapped_column(JSON, default=list)
    secret: Mapped[str] = mapped_column(EncryptedText(ENCRYPTION_PURPOSE))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    rotated_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    @property
    def destination(self) -> str:
        return destination_name(self.id)


def destination_name(subscription_id: int) -> str:
    return f"{PREFIX}{subscription_id}"
