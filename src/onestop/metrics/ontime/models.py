"""The on-time rollups.

The on-time rollups count finished dossiers early / on time / late at three grains, all kept exact
in the same transaction as the action that finishes a dossier (``ontime.rollup``):

* ``report_ontime_unit_monthly`` (competent unit, month): the whole months of a period, for the
  per-unit and per-month reports — about 2,000 × 36 rows for 2,000 units over three years; the
  per-unit report of a quarter at 10 million dossiers reads them in a few milliseconds
  (bench/RESULTS.md, "Reports at 10 million dossiers");
* ``report_ontime_unit_daily`` (competent unit, local day of ``finished_at``): the days of a
  period outside whole months (covering index on (day, unit) INCLUDE the counts; a few edge days
  cost little);
* ``report_ontime_daily`` (competent unit, procedure, day): the per-procedure and per-field
  reports, and the finest grain the others are derived from.

Hot rows: every finish of a unit in a month updates that unit's monthly row, so concurrent
finishes of one unit queue on it until they commit (finishing transactions are short).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    Date,
    ForeignKey,
    Index,
    Integer,
)
from sqlalchemy.orm import Mapped, mapped_column

from onestop.core.db import Base

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
