"""Biểu 06/VPCP/KSTT (Circular 01/2020; docs/rules.md §10): which column each dossier falls in.

Every dossier of the report is put in exactly one *receipt* bucket and one *resolution* bucket,
and each column is a sum of buckets, so the identities (3) = (4) + (5) + (6),
(3) = (7) + (11), (7) = (8) + (9) + (10) and (11) = (12) + (13) hold by construction.

With S the first instant of the period and E the first instant after it (local dates, inclusive):

* the report counts a dossier when it was **received** (``received_at`` set) before E and it was
  not resolved before S: ``received_at < E AND (ended_at IS NULL OR ended_at >= S)``. Refused
  dossiers (code 3) and online dossiers never accepted (code 1) were never received: not counted;
* receipt: (6) *từ kỳ trước* when received before S; else (4) *trực tuyến* for the online
  channel, (5) *trực tiếp, dịch vụ bưu chính* for counter and postal;
* resolved in the period (``ended_at < E``): finished dossiers (9/10, reference ``finished_at``)
  go to (8) / (9) / (10) by ``rates.bucket`` (early / on time / late). Dossiers **withdrawn (7) or
  stopped (8) after receipt** are resolved at ``ended_at`` and counted in (9) *đúng hạn*, as the
  Biểu II.06a note says ("đúng hạn … gồm hồ sơ … rút"); the report shows how many of (9) they are;
* otherwise the dossier is **in progress at the end of the period**: (13) *quá hạn* when it counts
  late (``late_flag`` / ``supplement_count > 1``: late whatever the instants, paused or not), or
  when it is not paused at E (its pause ``pause_started_at`` < E ≤ ``pause_ended_at``) and its due
  instant as it stood at E is before E; (12) *trong hạn* otherwise. The due instant as it stood at
  E is ``due_at_original`` until the pause began and ``due_at`` after it ended (a dossier that does
  not count late was paused at most once). These are the overdue spells of ``bieu06.flows``.

The report's counts come from the rollups (``bieu06.read``); ``candidates`` states the same rules
over the dossier table for the drill-down lists, so every list adds up to its count. Its rows come
from two index-friendly parts: open dossiers (``ended_at IS NULL``, the partial indexes of the
dossiers package) and dossiers ended since S.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import and_, case, literal, or_, select, true, union_all
from sqlalchemy.sql import Subquery

from onestop.catalog.models import Procedure
from onestop.catalog.snapshots import ScopeUnit
from onestop.dossiers.states import Channel, Status
from onestop.metrics import periods
from onestop.metrics.ontime import rates
from onestop.metrics.periods import Period
from onestop.metrics.schemas import Bieu06Columns

D = periods.D
U = periods.U
P = Procedure.__table__

RECEIPT = (4, 5, 6)
RESOLUTION = (8, 9, 10, 12, 13)
CLOSED_OTHER = (int(Status.WITHDRAWN), int(Status.STOPPED))


def _part(unit: ScopeUnit, p: Period, *, open_part: bool) -> Any:
    s, e = p.start_at, p.end_at
    ps, pe = D.c.pause_started_at, D.c.pause_ended_at
    paused_at_end = and_(ps < e, or_(pe.is_(None), pe >= e))
    due_at_end = case((or_(ps.is_(None), ps >= e), D.c.due_at_original), else_=D.c.due_at)
    progress = case(
        (or_(D.c.late_flag.is_(True), D.c.supplement_count > 1), literal(13)),
        (paused_at_end, literal(12)),
        (or_(due_at_end.is_(None), due_at_end >= e), literal(12)),
        else_=literal(13),
    )
    b = rates.bucket_sql()
    resolved = case(
        (D.c.status.in_(CLOSED_OTHER), literal(9)),
        (b == "early", literal(8)),
        (b == "late", literal(10)),
        else_=literal(9),
    )
    receipt = case(
        (D.c.received_at < s, literal(6)),
        (D.c.channel == Channel.ONLINE, literal(4)),
        else_=literal(5),
    )
    if open_part:
        res: Any = progress
        other: Any = literal(0)
        where: Any = D.c.ended_at.is_(None)
    else:
        res = case((D.c.ended_at < e, resolved), else_=progress)
        other = case((and_(D.c.ended_at < e, D.c.status.in_(CLOSED_OTHER)), 1), else_=0)
        where = D.c.ended_at >= s
    return (
        select(
            D.c.id,
            D.c.competent_unit_id,
            D.c.procedure_id,
            receipt.label("receipt"),
            res.label("resolution"),
            other.label("other"),
        )
        .select_from(D.join(U, U.c.id == D.c.competent_unit_id))
        .where(where, D.c.received_at < e, periods.in_subtree(unit))
    )


def candidates(unit: ScopeUnit, p: Period) -> Subquery:
    """One row per dossier of the report: id, units, its receipt and resolution buckets."""
    return union_all(_part(unit, p, open_part=True), _part(unit, p, open_part=False)).subquery(
        "b06"
    )


@dataclass
class Cells:
    """Disjoint bucket counts; the 13 columns are sums of them."""

    n: dict[int, int] = field(default_factory=lambda: dict.fromkeys(RECEIPT + RESOLUTION, 0))
    other: int = 0

    def add(self, receipt: int, resolution: int, count: int, other: int) -> None:
        self.n[receipt] += count
        self.n[resolution] += count
        self.other += other

    def merge(self, o: Cells) -> None:
        for k, v in o.n.items():
            self.n[k] += v
        self.other += o.other

    def columns(self) -> Bieu06Columns:
        n = self.n
        return Bieu06Columns(
            c3=n[4] + n[5] + n[6],
            c4=n[4],
            c5=n[5],
            c6=n[6],
            c7=n[8] + n[9] + n[10],
            c8=n[8],
            c9=n[9],
            c10=n[10],
            c11=n[12] + n[13],
            c12=n[12],
            c13=n[13],
        )


def column_filter(c: Subquery, column: int) -> Any:
    """Rows of the candidate subquery that make up column ``column`` (3–13)."""
    if column == 3:
        return true()
    if column in RECEIPT:
        return c.c.receipt == column
    if column == 7:
        return c.c.resolution.in_((8, 9, 10))
    if column == 11:
        return c.c.resolution.in_((12, 13))
    return c.c.resolution == column
