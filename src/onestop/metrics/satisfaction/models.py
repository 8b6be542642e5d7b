"""Satisfaction ratings (one per dossier) and the follow-up tasks a "không hài lòng" raises."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from onestop.core.db import Base, BigId, UTCDateTime


class Rating(Base):
    """One satisfaction rating per dossier (Rất hài lòng / Hài lòng / Không hài lòng)."""

    __tablename__ = "report_rating"
    __table_args__ = (
        Index("ix_report_rating_unit_at", "unit_id", "at"),
        # The satisfaction report of a period reads its ratings from this index alone.
        Index("ix_report_rating_at", "at", postgresql_include=["unit_id", "level"]),
    )

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


class RatingMonthly(Base):
    """Ratings per competent unit, local month of ``at`` (its first day) and level: the
    satisfaction figures of whole months are read from these sums (``satisfaction.rollup``)."""

    __tablename__ = "report_rating_monthly"
    __table_args__ = (
        Index("ix_report_rating_monthly_month", "month", "unit_id", postgresql_include=["n"]),
    )

    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), primary_key=True)
    month: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    level: Mapped[str] = mapped_column(String(20), primary_key=True)
    n: Mapped[int] = mapped_column(Integer, default=0)


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
    #: The leader who recorded the follow-up (username) and what was done.
    resolved_by: Mapped[str | None] = mapped_column(String(120))
    resolution: Mapped[str | None] = mapped_column(Text)
