"""Alerts and tasks raised by the worklist job (``onestop worker``).

One row per dossier, kind and threshold, ever: ``UNIQUE (dossier_id, kind, threshold_key)`` makes
the job idempotent across restarts and across concurrent worker processes (``INSERT … ON CONFLICT
DO NOTHING``). The threshold key names the instant the alert is about (the due instant, or the
new appointment for ``late_again``), so a due instant that moves (a supplement paused the clock)
is a new threshold and alerts again, while re-running the job never does.

Kinds: ``due_soon`` (the dossier falls due within the unit's due-soon window), ``apology_needed``
(a task for the leader of the late unit: one working day or less before ``due_at`` and no apology
yet, docs/rules.md §8.5), ``overdue`` (past ``due_at``), ``late_again`` (apologised and past the new
appointment). ``unit_id`` is the unit at fault (the one holding the current step, else the
competent unit) whose leader sees the row in ``GET /api/v1/tasks``.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from onestop.core.db import Base, BigId, UTCDateTime

KINDS = ("due_soon", "apology_needed", "overdue", "late_again")
OPEN_ALERT = "resolved_at IS NULL"


class Alert(Base):
    __tablename__ = "worklist_alert"
    __table_args__ = (
        UniqueConstraint("dossier_id", "kind", "threshold_key"),
        Index(
            "ix_worklist_alert_open_unit",
            "unit_id",
            "id",
            postgresql_where=text(OPEN_ALERT),
            sqlite_where=text(OPEN_ALERT),
        ),
        Index(
            "ix_worklist_alert_open_dossier",
            "dossier_id",
            postgresql_where=text(OPEN_ALERT),
            sqlite_where=text(OPEN_ALERT),
        ),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossier.id"))
    kind: Mapped[str] = mapped_column(String(20))
    #: e.g. ``due_soon:1wd@2026-03-11T02:00:00Z``; unique per dossier and kind.
    threshold_key: Mapped[str] = mapped_column(String(80))
    #: The instant the threshold is about (due instant, or the new appointment).
    ref_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    #: The unit at fault, whose leader handles the task.
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    resolved_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    #: ``user:<name>`` for a manual resolution, ``system`` when the job closed it.
    resolved_by: Mapped[str | None] = mapped_column(String(120))
    #: manual | apologized | closed | moved (the due instant changed)
    resolution: Mapped[str | None] = mapped_column(String(20))
    note: Mapped[str | None] = mapped_column(Text)
