"""Tables every report shares: closed periods (frozen figures with their hash), the record of
rollup verifications, and the dossier indexes only the reports need. Each report's own tables
live in its sub-package (``ontime.models``, ``bieu06.models``, ``satisfaction.models``,
``index766.models``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from onestop.core.db import Base, BigId, UTCDateTime
from onestop.dossiers.models import Dossier, DossierEvent


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


class RollupCheck(Base):
    """One verification of the rollups against a recomputation from the dossiers
    (``onestop rollups verify``): how many cells differed, and a sample of them. ``/metrics``
    shows the last one."""

    __tablename__ = "rollup_check"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    checked_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), index=True)
    differing_cells: Mapped[int] = mapped_column(Integer)
    sample: Mapped[list[Any]] = mapped_column(JSON)


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


#: Corrections recorded in a period (shown under every report): without it the reports scanned
#: every event of the period through ``ix_dossier_event_at`` (~3 s per report at 10 million
#: dossiers, bench/RESULTS.md).
ix_report_event_correction = Index(
    "ix_report_event_correction",
    DossierEvent.__table__.c.at,
    postgresql_where=text("type = 'correction'"),
    sqlite_where=text("type = 'correction'"),
)
