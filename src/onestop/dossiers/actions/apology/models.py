"""Apologies (Form 04, "Văn bản xin lỗi và đề nghị gia hạn thời gian giải quyết"), their letter
numbers, and the applicant-notification outbox.

* ``dossier_apology``: one row per apology (re-appointment). ``due_at`` is copied from the dossier
  at issue time for the record; the dossier's ``due_at`` / ``due_at_original`` / ``timing`` never
  change because of an apology (docs/rules.md §8.4), only ``appointment_at`` (what the citizen
  is told).
* ``apology_letter_counter``: the last letter number per issuing unit and year ("15/PXL").
* ``notification_outbox``: messages to applicants (e-mail / SMS) written in the same transaction
  as the event that caused them; a later integration delivers them and sets ``sent_at``. The
  recipient is personal data: never log it (use ``mask_recipient``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from onestop.core.db import Base, BigId, UTCDateTime


class Apology(Base):
    """One apology letter with its new appointment (a re-appointment of the dossier)."""

    __tablename__ = "dossier_apology"
    __table_args__ = (
        UniqueConstraint("issuing_unit_id", "year", "letter_number"),
        UniqueConstraint("dossier_id", "number"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossier.id"))
    #: 1 for the first re-appointment of the dossier, 2 for a second (when the version allows).
    number: Mapped[int] = mapped_column(SmallInteger)
    #: The ``apologize`` event of the dossier's timeline.
    event_seq: Mapped[int] = mapped_column(Integer)
    letter_number: Mapped[str] = mapped_column(String(60))  # "15/PXL"
    #: Local year of issue (letter numbers restart every year per issuing unit).
    year: Mapped[int] = mapped_column(SmallInteger)
    issuing_unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    reason: Mapped[str] = mapped_column(Text)
    #: What the citizen had been told before this letter (the receipt's appointment, or the
    #: previous letter's).
    previous_appointment_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    new_appointment_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    #: The dossier's due instant when the letter was issued (unchanged by it).
    due_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    #: NULL for an imported letter (the signer is named, not an account).
    signer_user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    signer_name: Mapped[str] = mapped_column(String(255))
    signer_title: Mapped[str | None] = mapped_column(String(255))
    issued_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    #: Issued at least one working day before ``due_at``; False = a late apology (still recorded).
    on_time: Mapped[bool] = mapped_column(Boolean)
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class ApologyLetterCounter(Base):
    """Last letter number handed out per issuing unit and local year."""

    __tablename__ = "apology_letter_counter"

    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), primary_key=True)
    year: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    last_number: Mapped[int] = mapped_column(Integer)


class NotificationOutbox(Base):
    """A message to the applicant waiting for delivery (``sent_at`` NULL) by an integration."""

    __tablename__ = "notification_outbox"
    __table_args__ = (
        Index(
            "ix_notification_outbox_pending",
            "created_at",
            postgresql_where=text("sent_at IS NULL"),
            sqlite_where=text("sent_at IS NULL"),
        ),
        Index("ix_notification_outbox_dossier_id", "dossier_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    dossier_id: Mapped[int | None] = mapped_column(ForeignKey("dossier.id"))
    #: What caused it, e.g. "apology".
    topic: Mapped[str] = mapped_column(String(40))
    channel: Mapped[str] = mapped_column(String(10))  # email | sms
    #: E-mail address or phone number: personal data, never logged (see ``mask_recipient``).
    recipient: Mapped[str] = mapped_column(String(255))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)


def mask_recipient(channel: str, recipient: str) -> str:
    """``an.nguyen@example.vn`` → ``a***@example.vn``; ``0912345678`` → ``******5678``."""
    value = recipient.strip()
    if channel == "email" and "@" in value:
        local, _, domain = value.partition("@")
        return f"{local[:1]}***@{domain}"
    keep = 4 if len(value) > 6 else 1
    return "*" * (len(value) - keep) + value[-keep:]
