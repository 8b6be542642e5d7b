"""Report tables: the on-time rollups, satisfaction ratings and the follow-up tasks a "không hài
lòng" rating opens, evaluation entries and closed periods.

The on-time rollups count finished dossiers early / on time / late at three grains, all kept exact
in the same transaction as the action that finishes a dossier (``metrics.rollup``):

* ``report_ontime_unit_monthly`` (competent unit, month): the whole months of a period, for the
  per-unit and per-month reports — about 2,000 × 36 rows for 2,000 units over three years, which
  baseline.md §3d measured at ~2 ms for a quarter at 10 million dossiers;
* ``report_ontime_unit_daily`` (competent unit, local day of ``finished_at``): the days of a
  period outside whole months (covering index on (day, unit) INCLUDE the counts, ~21 ms for a
  full quarter in baseline.md §3d, far less for a few edge days);
* ``report_ontime_daily`` (competent unit, procedure, day): the per-procedure and per-field
  reports, and the finest grain the others are derived from.

Hot rows: every finish of a unit in a month updates that unit's monthly row, so concurrent
finishes of one unit queue on it until they commit (finishing transactions are short).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Date,
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

from onestop.db import Base, UTCDateTime
from onestop.dossiers.models import Dossier, DossierEvent

BigId = BigInteger().with_variant(Integer(), "sqlite")
COUNTS = ["early", "on_time", "late"]


class OntimeDaily(Base):
    """Finished dossiers per competent unit, procedure and local day of ``finished_at``."""

    __tablename__ = "report_ontime_daily"
    __table_args__ = (
        Index(
            "ix_report_ontime_daily_day",
            "day",
            "competent_unit_id",
            postgresql_include=["procedure_id", *COUNTS],
        ),
    )

    competent_unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), primary_key=True)
    procedure_id: Mapped[int] = mapped_column(ForeignKey("procedure.id"), primary_key=True)
    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    early: Mapped[int] = mapped_column(Integer, default=0)
    on_time: Mapped[int] = mapped_column(Integer, default=0)
    late: Mapped[int] = mapped_column(Integer, default=0)


class OntimeUnitDaily(Base):
    """Finished dossiers per competent unit and local day."""

    __tablename__ = "report_ontime_unit_daily"
    __table_args__ = (
        Index(
            "ix_report_ontime_unit_daily_day",
            "day",
            "competent_unit_id",
            postgresql_include=COUNTS,
        ),
    )

    competent_unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), primary_key=True)
    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    early: Mapped[int] = mapped_column(Integer, default=0)
    on_time: Mapped[int] = mapped_column(Integer, default=0)
    late: Mapped[int] = mapped_column(Integer, default=0)


class OntimeUnitMonthly(Base):
    """Finished dossiers per competent unit and local month (``month`` = its first day)."""

    __tablename__ = "report_ontime_unit_monthly"
    __table_args__ = (
        Index(
            "ix_report_ontime_unit_monthly_month",
            "month",
            "competent_unit_id",
            postgresql_include=COUNTS,
        ),
    )

    competent_unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), primary_key=True)
    month: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    early: Mapped[int] = mapped_column(Integer, default=0)
    on_time: Mapped[int] = mapped_column(Integer, default=0)
    late: Mapped[int] = mapped_column(Integer, default=0)


class Rating(Base):
    """One satisfaction rating per dossier (Rất hài lòng / Hài lòng / Không hài lòng)."""

    __tablename__ = "report_rating"
    __table_args__ = (Index("ix_report_rating_unit_at", "unit_id", "at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossier.id"), unique=True)
    #: The dossier's competent unit (the unit the rating counts for).
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    procedure_id: Mapped[int] = mapped_column(ForeignKey("procedure.id"))
    level: Mapped[str] = mapped_column(String(20))  # rat_hai_long | hai_long | khong_hai_long
    comment: Mapped[str | None] = mapped_column(Text)
    channel: Mapped[str] = mapped_column(String(10))  # portal | kiosk | counter
    #: "citizen" (receipt secret) or the clerk's actor name ("user:clerk").
    given_by: Mapped[str] = mapped_column(String(120))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class EvaluationEntry(Base):
    """A manager's score (0/1/2) for an evaluation indicator the data cannot answer (5, 6, 8, 9)."""

    __tablename__ = "report_evaluation_entry"
    __table_args__ = (UniqueConstraint("unit_id", "date_from", "date_to", "indicator"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    date_from: Mapped[dt.date] = mapped_column(Date)
    date_to: Mapped[dt.date] = mapped_column(Date)
    indicator: Mapped[int] = mapped_column(SmallInteger)
    score: Mapped[int] = mapped_column(SmallInteger)
    note: Mapped[str | None] = mapped_column(Text)
    entered_by: Mapped[str] = mapped_column(String(120))
    entered_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class ClosedPeriod(Base):
    """Figures of a report frozen by a manager, with the SHA-256 of their canonical JSON."""

    __tablename__ = "report_period"
    __table_args__ = (UniqueConstraint("kind", "unit_id", "date_from", "date_to"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # on-time | bieu-06
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    date_from: Mapped[dt.date] = mapped_column(Date)
    date_to: Mapped[dt.date] = mapped_column(Date)
    figures: Mapped[dict[str, Any]] = mapped_column(JSON)
    content_hash: Mapped[str] = mapped_column(String(64))
    note: Mapped[str | None] = mapped_column(Text)
    closed_by: Mapped[str] = mapped_column(String(120))
    closed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


#: Biểu 06 / index 766 read "dossiers received that ended since the period start"; the dossiers
#: package indexes open dossiers (``ended_at IS NULL``) and finished ones by ``finished_at``, not
#: withdrawn / stopped ones by ``ended_at``. Without this index that half of the report would
#: scan the dossier table. Declared here (on the dossier table) because only reports need it.
ix_report_dossier_ended = Index(
    "ix_report_dossier_ended",
    Dossier.__table__.c.ended_at,
    Dossier.__table__.c.competent_unit_id,
    postgresql_where=text("ended_at IS NOT NULL AND received_at IS NOT NULL"),
    sqlite_where=text("ended_at IS NOT NULL AND received_at IS NOT NULL"),
    postgresql_include=["received_at"],
)


class FollowupTask(Base):
    """A task for the leader of the competent unit: a citizen was not satisfied ("không hài
    lòng"). Kept here rather than in ``worklist_alert``: that table's task API and alert worker
    only know the worklist kinds (see the module docstring of ``metrics.satisfaction``)."""

    __tablename__ = "report_followup_task"
    __table_args__ = (Index("ix_report_followup_task_unit_open", "unit_id", "resolved_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    kind: Mapped[str] = mapped_column(String(30), default="dissatisfied_rating")
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossier.id"))
    rating_id: Mapped[int] = mapped_column(ForeignKey("report_rating.id"), unique=True)
    #: Who acts: the leader(s) of ``unit_id``.
    assignee_role: Mapped[str] = mapped_column(String(20), default="leader")
    title: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    resolved_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


#: Corrections recorded in a period (shown under every report): without it the reports scanned
#: every event of the period through ``ix_dossier_event_at`` (~3 s per report at 10 million
#: dossiers, bench/RESULTS.md).
ix_report_event_correction = Index(
    "ix_report_event_correction",
    DossierEvent.__table__.c.at,
    postgresql_where=text("type = 'correction'"),
    sqlite_where=text("type = 'correction'"),
)
