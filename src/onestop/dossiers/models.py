"""Dossier tables: the dossier row (state, dates, units), its append-only events, the steps it went
through (Form 06 rows), the clock pauses, the daily code counters and the idempotency keys.

Reading guide for reports (docs/rules.md §9 and §10):

* ``dossier.status`` is the national status code 1–10 itself (``states.Status``).
* ``dossier.ended_at`` is NULL while a dossier is open (codes 1, 2, 4, 5, 6) and holds the instant
  of the status that closed it (3 refused, 7 withdrawn, 8 stopped, 9 finished, or 10 when a dossier
  was returned without passing through 9). The partial indexes ``WHERE ended_at IS NULL`` serve the
  due-soon / overdue worklists; write that exact predicate in queries so the planner uses them.
* ``finished_at`` is the on-time reference instant (status 9; set to the instant of 10 when a
  dossier jumped straight to 10). ``due_at`` is compared with it; ``due_at_original`` never moves;
  ``late_flag`` forces "late" (a second supplement was overridden); ``timing`` caches the
  classification made at finish.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    DDL,
    JSON,
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    event,
    text,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.sql.compiler import DDLCompiler, SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from onestop.core.db import Base, BigId, EncryptedText, UTCDateTime

#: The trigram operator classes of ``ix_dossier_applicant_trgm`` (a trusted extension: the
#: database owner may create it). The migrations create it too.
TRIGRAMS = DDL("CREATE EXTENSION IF NOT EXISTS pg_trgm")  # type: ignore[no-untyped-call]
event.listen(Base.metadata, "before_create", TRIGRAMS.execute_if(dialect="postgresql"))

#: 64-bit keys on PostgreSQL, INTEGER PRIMARY KEY (the rowid) on SQLite.

#: Predicate of the "open dossier" partial indexes (literal SQL, the same on both backends).
OPEN_PREDICATE = "ended_at IS NULL"
#: Predicate of the "open step" partial index.
OPEN_STEP_PREDICATE = "ended_at IS NULL"


def _partial(predicate: str) -> dict[str, Any]:
    return {"postgresql_where": text(predicate), "sqlite_where": text(predicate)}


class Dossier(Base):
    """One dossier (hồ sơ) for its whole life; ``code`` never changes."""

    __tablename__ = "dossier"
    __table_args__ = (
        Index("ix_dossier_receiving_unit_id_id", "receiving_unit_id", "id"),
        Index("ix_dossier_competent_unit_id_id", "competent_unit_id", "id"),
        Index("ix_dossier_received_at", "received_at"),
        # Worklists of open dossiers (overdue, due soon): per competent unit, per unit holding the
        # current step, and province-wide counts. ``status`` lets the province count skip status 5
        # from the index alone (an index-only scan: 10× faster than visiting each row).
        Index("ix_dossier_open_due_at", "due_at", "status", **_partial(OPEN_PREDICATE)),
        Index(
            "ix_dossier_open_competent_due",
            "competent_unit_id",
            "due_at",
            # The dashboard counts a subtree's open dossiers from this index alone.
            postgresql_include=["status", "reappointment_count"],
            **_partial(OPEN_PREDICATE),
        ),
        Index(
            "ix_dossier_open_current_due", "current_unit_id", "due_at", **_partial(OPEN_PREDICATE)
        ),
        # The unit worklists match competent OR current OR receiving unit: without this one the
        # planner walks the province-wide due_at index instead (400 ms at 10 M, bench/RESULTS.md).
        Index(
            "ix_dossier_open_receiving_due",
            "receiving_unit_id",
            "due_at",
            **_partial(OPEN_PREDICATE),
        ),
        # "Việc của tôi": an officer's open dossiers (the handler of the open step) in due order.
        Index("ix_dossier_open_handler_due", "handler_id", "due_at", **_partial(OPEN_PREDICATE)),
        # Online dossiers waiting for acceptance (late to accept after 8 working hours).
        Index(
            "ix_dossier_waiting_accept",
            "receiving_unit_id",
            "accept_due_at",
            **_partial("status = 1"),
        ),
        # On-time figures: finished dossiers by instant, covering unit and due instant. Partial,
        # so intake (finished_at NULL) pays nothing for it.
        Index(
            "ix_dossier_finished",
            "finished_at",
            "competent_unit_id",
            "due_at",
            **_partial("finished_at IS NOT NULL"),
        ),
        Index(
            "ix_dossier_competent_finished",
            "competent_unit_id",
            "finished_at",
            **_partial("finished_at IS NOT NULL"),
        ),
        # Free-text search (``q``, PostgreSQL only): a code prefix through a pattern index (the
        # unique index serves LIKE only under the C collation), a part of the folded applicant
        # name through trigrams (pg_trgm). Without them a search the table cannot answer read
        # every row: 20 s at 10 M dossiers.
        Index(
            "ix_dossier_code_pattern", "code", postgresql_ops={"code": "varchar_pattern_ops"}
        ).ddl_if(dialect="postgresql"),
        Index(
            "ix_dossier_applicant_trgm",
            "applicant_search",
            postgresql_using="gin",
            postgresql_ops={"applicant_search": "gin_trgm_ops"},
        ).ddl_if(dialect="postgresql"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    code: Mapped[str] = mapped_column(String(60), unique=True)
    #: Reference of the portal that submitted it (DVCQG / provincial portal); unique when set.
    portal_ref: Mapped[str | None] = mapped_column(String(100), unique=True)
    procedure_id: Mapped[int] = mapped_column(ForeignKey("procedure.id"))
    #: The version in force on the day of receipt (re-pinned when an online dossier is accepted).
    procedure_version_id: Mapped[int] = mapped_column(ForeignKey("procedure_version.id"))
    receiving_unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    competent_unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    returning_unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    #: Unit holding the open step (NULL when no step is open).
    current_unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"))
    current_step_seq: Mapped[int | None] = mapped_column(SmallInteger)
    #: Officer assigned to the open step.
    handler_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    channel: Mapped[str] = mapped_column(String(10))  # counter | online | postal
    status: Mapped[int] = mapped_column(SmallInteger)  # national code 1–10

    applicant_name: Mapped[str] = mapped_column(String(255))
    #: Lower-case name without diacritics, for the free-text filter.
    applicant_search: Mapped[str] = mapped_column(String(255))
    applicant_kind: Mapped[str] = mapped_column(String(20), default="citizen")
    # Personal data: returned only to principals with personal-data:view, never logged, and
    # encrypted at rest (core.crypto); an ID number is found through its keyed hash.
    applicant_id_number: Mapped[str | None] = mapped_column(EncryptedText("applicant_id_number"))
    applicant_phone: Mapped[str | None] = mapped_column(EncryptedText("applicant_phone"))
    applicant_email: Mapped[str | None] = mapped_column(EncryptedText("applicant_email"))
    applicant_address: Mapped[str | None] = mapped_column(EncryptedText("applicant_address"))
    applicant_id_hash: Mapped[str | None] = mapped_column(String(64), index=True)

    submitted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    received_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    #: Online / postal: the dossier must be accepted or answered before this (8 working hours).
    accept_due_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    due_at_original: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    due_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    #: What the citizen was told: due_at at receipt; an apology (docs/rules.md §8.3) may set a
    #: later one.
    appointment_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    returned_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    ended_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    calendar_fingerprint: Mapped[str | None] = mapped_column(String(32))
    #: The latest processing pause (supplement requested → received; NULL end while paused),
    #: copied from ``dossier_pause`` so a row alone tells when its clock stood still (Biểu 06
    #: rollups). Exact for every dossier that does not count late: those pause at most once.
    pause_started_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    pause_ended_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    #: Supplement requests while processing (the metric one; > 1 counts late).
    supplement_count: Mapped[int] = mapped_column(SmallInteger, default=0)
    #: Written guidance at reception (Form 02 before receipt; the clock had not started).
    reception_supplement_count: Mapped[int] = mapped_column(SmallInteger, default=0)
    #: A supplement was requested and has not come back yet (status 5, or 1 at reception).
    awaiting_supplement: Mapped[bool] = mapped_column(Boolean, default=False)
    #: Counts late in every metric whatever the instants (overridden second supplement).
    late_flag: Mapped[bool] = mapped_column(Boolean, default=False)
    reappointment_count: Mapped[int] = mapped_column(SmallInteger, default=0)
    timing: Mapped[str | None] = mapped_column(String(10))  # early | on_time | late (at finish)
    result: Mapped[str | None] = mapped_column(String(20))  # approved | rejected
    end_reason: Mapped[str | None] = mapped_column(Text)  # refusal / withdrawal / stop / rejection

    return_method: Mapped[str] = mapped_column(String(10), default="counter")
    quantity: Mapped[int] = mapped_column(SmallInteger, default=1)
    #: [{"code", "name", "copy_type", "quantity", "required"}] as received.
    documents: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    #: [{"code", "name", "amount"}] in VND, from the procedure version.
    fees: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    fee_total: Mapped[Decimal] = mapped_column(Numeric(14, 0), default=Decimal(0))
    note: Mapped[str | None] = mapped_column(Text)
    #: "<salt>$<sha256(salt + secret)>" of the lookup secret printed on the receipt.
    secret_hash: Mapped[str] = mapped_column(String(120))

    event_count: Mapped[int] = mapped_column(Integer, default=0)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class CurrentTxid(FunctionElement[int]):
    """The writing transaction's id, as the default of ``dossier_event.txid``: PostgreSQL's
    ``pg_current_xact_id()`` (64 bits, never wraps; the top-level transaction's even inside a
    savepoint), and 0 on SQLite, where writers run one at a time so row ids already follow
    commit order (``onestop.integration.feed``). A server default, so every writer — the ORM,
    the group-commit intake statement, the bulk loaders — fills it without naming it."""

    type = BigInteger()
    inherit_cache = True


@compiles(CurrentTxid)
def _txid_default(_element: CurrentTxid, _compiler: SQLCompiler | DDLCompiler, **_kw: Any) -> str:
    return "0"


@compiles(CurrentTxid, "postgresql")
def _txid_postgresql(
    _element: CurrentTxid, _compiler: SQLCompiler | DDLCompiler, **_kw: Any
) -> str:
    return "(pg_current_xact_id()::text::bigint)"


class DossierEvent(Base):
    """Append-only history: one row per action, numbered 1, 2, … per dossier. Its rows are also
    the integration outbox: ``(txid, id)`` orders the changes feed (``onestop.integration``)."""

    __tablename__ = "dossier_event"
    __table_args__ = (
        UniqueConstraint("dossier_id", "seq"),
        Index("ix_dossier_event_at", "at"),
        Index("ix_dossier_event_txid_id", "txid", "id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossier.id"))
    seq: Mapped[int] = mapped_column(Integer)
    type: Mapped[str] = mapped_column(String(40))  # submit | receive | accept | … (action names)
    #: When it happened (for imported history, the instant of the legacy system).
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    #: When onestop wrote it.
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    actor: Mapped[str] = mapped_column(String(120))  # "user:clerk" | "client:portal" | "import:…"
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"))
    from_status: Mapped[int | None] = mapped_column(SmallInteger)
    to_status: Mapped[int] = mapped_column(SmallInteger)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: The id of the transaction that wrote the row (0 on SQLite, and for rows older than the
    #: column): no Python default, so the group-commit statement leaves it to the server.
    txid: Mapped[int] = mapped_column(BigInteger, server_default=CurrentTxid())


class DossierStep(Base):
    """A stretch of the dossier at one unit (Form 06 row): hand-over in, budget, hand-over out."""

    __tablename__ = "dossier_step"
    __table_args__ = (
        UniqueConstraint("dossier_id", "seq"),
        Index(
            "ix_dossier_step_open_unit_due", "unit_id", "due_at", **_partial(OPEN_STEP_PREDICATE)
        ),
        Index("ix_dossier_step_unit_started", "unit_id", "started_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossier.id"))
    seq: Mapped[int] = mapped_column(SmallInteger)
    name: Mapped[str] = mapped_column(String(255))
    #: reception | competent | coordinating | inter_agency | return
    kind: Mapped[str] = mapped_column(String(20))
    #: The internal-procedure step it follows (NULL for an ad-hoc inter-agency step).
    procedure_step_seq: Mapped[int | None] = mapped_column(SmallInteger)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    from_unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"))
    handler_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    handed_by: Mapped[str | None] = mapped_column(String(120))
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    budget_hours: Mapped[Decimal | None] = mapped_column(Numeric(8, 2))
    due_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    ended_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    outcome: Mapped[str | None] = mapped_column(String(10))  # early | on_time | late
    note: Mapped[str | None] = mapped_column(Text)


class DossierPause(Base):
    """A span in which the legal clock stood still (supplement requested → supplement received)."""

    __tablename__ = "dossier_pause"
    __table_args__ = (Index("ix_dossier_pause_dossier_id", "dossier_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossier.id"))
    kind: Mapped[str] = mapped_column(String(20), default="supplement")
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    ended_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    started_event_seq: Mapped[int] = mapped_column(Integer)
    ended_event_seq: Mapped[int | None] = mapped_column(Integer)


class DossierCodeCounter(Base):
    """Last sequence number handed out per receiving unit and local day (code strategy)."""

    __tablename__ = "dossier_code_counter"

    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), primary_key=True)
    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    last_seq: Mapped[int] = mapped_column(Integer)


class IdempotencyKey(Base):
    """``Idempotency-Key`` of an intake, per principal: the request hash and the response sent.
    The stored response leaves out the code and the applicant (read back from the dossier)."""

    __tablename__ = "idempotency_key"
    __table_args__ = (UniqueConstraint("principal", "key"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    principal: Mapped[str] = mapped_column(String(120))
    key: Mapped[str] = mapped_column(String(255))
    request_hash: Mapped[str] = mapped_column(String(64))
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossier.id"))
    status_code: Mapped[int] = mapped_column(SmallInteger)
    response: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
