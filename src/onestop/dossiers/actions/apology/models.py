"""Apologies (Form 04, "Văn bản xin lỗi và đề nghị gia hạn thời gian giải quyết") and their letter
numbers.

* ``dossier_apology``: one row per apology (re-appointment). ``due_at`` is copied from the dossier
  at issue time for the record; the dossier's ``due_at`` / ``due_at_original`` / ``timing`` never
  change because of an apology (docs/rules.md §8.4), only ``appointment_at`` (what the citizen
  is told).
* ``apology_draft``: an apology prepared by an officer and waiting for the leader of the issuing
  unit, who signs it (the ``apologize`` action with its content) or returns it with a note.
* ``apology_letter_counter``: the last letter number per issuing unit and year ("15/PXL").

The applicant hears of an apology from ``integration.notify``, which reads the ``apologize`` event
(the event log is the outbox, docs/rules.md §16).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
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


#: States of a draft: waiting for the leader, signed (an apology was issued), returned.
DRAFT_PENDING, DRAFT_SIGNED, DRAFT_RETURNED = "pending", "signed", "returned"


class ApologyDraft(Base):
    """An apology drafted by an officer, waiting for the signature of the issuing unit's leader.
    At most one draft of a dossier is pending at a time."""

    __tablename__ = "apology_draft"
    __table_args__ = (
        Index(
            "uq_apology_draft_pending_dossier",
            "dossier_id",
            unique=True,
            postgresql_where=text("status = 'pending'"),
            sqlite_where=text("status = 'pending'"),
        ),
        Index("ix_apology_draft_issuing_unit_id_status", "issuing_unit_id", "status"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossier.id"))
    #: The late unit whose leader signs (checked again when signing).
    issuing_unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    reason: Mapped[str] = mapped_column(Text)
    new_appointment_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    note: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10))
    drafted_by_user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    drafted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    #: The leader who signed or returned it, and when.
    decided_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    #: Why the leader returned it.
    return_note: Mapped[str | None] = mapped_column(Text)
    #: The apology issued when it was signed.
    apology_id: Mapped[int | None] = mapped_column(ForeignKey("dossier_apology.id"))


class ApologyLetterCounter(Base):
    """Last letter number handed out per issuing unit and local year."""

    __tablename__ = "apology_letter_counter"

    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), primary_key=True)
    year: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    last_number: Mapped[int] = mapped_column(Integer)
