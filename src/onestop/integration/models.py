"""Outgoing messages and the relay's position in the changes feed.

``outbox_message``: one row per destination and dossier event the destination must hear about
(``UNIQUE (destination, event_id)``: relaying the same event twice is a no-op). ``seq`` is the
event's number in its dossier: messages of one dossier are delivered in ``seq`` order, one at a
time (``delivery``). States: ``pending`` (waiting, being delivered, or waiting for a retry at
``next_attempt_at``), ``delivered``, ``dead`` (failed for the whole retry window; it holds back
the dossier's later messages until an administrator replays it). ``claimed_until`` is a
delivery claim: a worker that dies mid-delivery loses it then, and the message goes again.
``failing_since`` is the first failure of the current run of failures (the retry window counts
from it); ``last_error`` never holds personal data.

``outbox_delivered``: per destination and dossier, when the destination first and last took a
message and the ``seq`` of the last one, for the delivered messages removed once they are
``outbox_keep_days`` old (``retention`` folds them here first). What has reached a destination
is the delivered messages kept plus these rows (``retention.reached``).

``outbox_cursor``: per destination, the last feed position ``(txid, event_id)`` whose events
have their messages, and ``leased_until``: a worker sending the events after that position holds
the lease until then (``relay.lease``); one that dies mid-round loses it then, and the events go
again.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from onestop.core.db import Base, BigId, UTCDateTime

STATES = ("pending", "delivered", "dead")
PENDING = "state = 'pending'"


class OutboxMessage(Base):
    __tablename__ = "outbox_message"
    __table_args__ = (
        UniqueConstraint("destination", "event_id"),
        # Due messages (the delivery claim) and the per-dossier order check.
        Index(
            "ix_outbox_message_pending_due",
            "destination",
            "next_attempt_at",
            postgresql_where=text(PENDING),
            sqlite_where=text(PENDING),
        ),
        Index("ix_outbox_message_dossier", "destination", "dossier_id", "seq"),
        # Messages by state (dead letters, failing dossiers), and delivered ones by age
        # (``retention``): the delivery's update changes the state, so this entry moves anyway.
        Index("ix_outbox_message_state", "state", "delivered_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    destination: Mapped[str] = mapped_column(String(40))
    #: No foreign keys to the dossier tables: the bench loaders truncate those on their own.
    dossier_id: Mapped[int] = mapped_column(BigInteger)
    event_id: Mapped[int] = mapped_column(BigInteger)
    seq: Mapped[int] = mapped_column(Integer)
    #: What the destination is told, e.g. ``dossier`` (the record) or ``progress`` (a hand-over).
    kind: Mapped[str] = mapped_column(String(20))
    state: Mapped[str] = mapped_column(String(10), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    claimed_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    failing_since: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(Text)
    delivered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class OutboxDelivered(Base):
    __tablename__ = "outbox_delivered"

    destination: Mapped[str] = mapped_column(String(40), primary_key=True)
    dossier_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    first_delivered_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    last_delivered_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    last_seq: Mapped[int] = mapped_column(Integer)


class OutboxCursor(Base):
    __tablename__ = "outbox_cursor"

    destination: Mapped[str] = mapped_column(String(40), primary_key=True)
    after_txid: Mapped[int] = mapped_column(BigInteger, default=0)
    after_event_id: Mapped[int] = mapped_column(BigInteger, default=0)
    leased_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
