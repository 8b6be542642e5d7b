"""Biểu 06 rollups (``bieu06.rollup`` keeps them exact; ``bieu06.read`` reads them).

Each holds per-day (per-month, over all time) *flows* of dossiers that were received:

* ``recv_online`` / ``recv_other``: received that local day (online; counter or postal);
* ``end_early`` / ``end_on_time`` / ``end_late`` / ``end_other``: ended that local day (finished,
  by ``rates`` bucket; withdrawn or stopped);
* ``overdue``: +1 on the day an "overdue while in progress" spell began, −1 on the day it ended.

Two grains share the tables: ``grain`` 0 rows belong to one competent unit (``unit_id``;
``level_group`` empty: the unit's level is read at report time), grain 1 rows to the whole tree
under a root unit (``unit_id`` = the root) split by the competent unit's level group. At both,
``stripe`` = the receiving unit's id mod 16 (``bieu06.rollup.stripe_of``): intakes at different
counters for one competent unit update different rows, and intakes at one counter already queue
on that counter's daily code sequence; a batch of intakes written together (group commit) uses
its first intake's stripe. Readers add the stripes up: only the sum means anything. A report on
a root reads ~100 cells × 16 stripes; any other unit sums its subtree's grain-0 rows (a
district: tens of units; a unit seldom receives from more than a few counters).

Why two grains: at 10 M dossiers (2,000 units × 25 fields) a province quarter over per-unit rows
alone means ~115 k monthly rows plus ~50 k totals — 70–270 ms to aggregate on a synthetic table of
that size — while the grain-1 rows of a root are a few thousand. Rows per root and day would be hot
for every intake of the province; the stripe spreads them over 16 rows. Keying by procedure instead
of field would multiply the rows by 20 (500 procedures): field it is (it never changes).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, ForeignKey, Integer, SmallInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from onestop.core.db import Base

FLOWS = (
    "recv_online",
    "recv_other",
    "end_early",
    "end_on_time",
    "end_late",
    "end_other",
    "overdue",
)
#: Net stocks over all time: open = received − ended; overdue = Σ overdue.
STOCKS = ("open", "overdue")


class _Flows:
    recv_online: Mapped[int] = mapped_column(Integer, default=0)
    recv_other: Mapped[int] = mapped_column(Integer, default=0)
    end_early: Mapped[int] = mapped_column(Integer, default=0)
    end_on_time: Mapped[int] = mapped_column(Integer, default=0)
    end_late: Mapped[int] = mapped_column(Integer, default=0)
    end_other: Mapped[int] = mapped_column(Integer, default=0)
    overdue: Mapped[int] = mapped_column(Integer, default=0)


class Bieu06Daily(_Flows, Base):
    """Flows per (grain, unit, local day, stripe, level group, field)."""

    __tablename__ = "report_b06_daily"

    grain: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), primary_key=True)
    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    stripe: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    level_group: Mapped[str] = mapped_column(String(10), primary_key=True)
    field: Mapped[str] = mapped_column(String(255), primary_key=True)


class Bieu06Monthly(_Flows, Base):
    """Flows per (grain, unit, month = its first day, stripe, level group, field)."""

    __tablename__ = "report_b06_monthly"

    grain: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), primary_key=True)
    month: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    stripe: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    level_group: Mapped[str] = mapped_column(String(10), primary_key=True)
    field: Mapped[str] = mapped_column(String(255), primary_key=True)


class Bieu06Total(Base):
    """Stocks over all time per (grain, unit, stripe, level group, field)."""

    __tablename__ = "report_b06_total"

    grain: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), primary_key=True)
    stripe: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    level_group: Mapped[str] = mapped_column(String(10), primary_key=True)
    field: Mapped[str] = mapped_column(String(255), primary_key=True)
    open: Mapped[int] = mapped_column(Integer, default=0)
    overdue: Mapped[int] = mapped_column(Integer, default=0)
