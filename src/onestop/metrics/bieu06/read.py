"""Biểu 06 cells from the rollups (``bieu06.models``), in one statement (one snapshot).

For the period [S, E) (local midnights):

* flows in [S, E): monthly rows for the whole months, daily rows for the days around them;
* stocks at E = totals over all time − flows on days ≥ E (the "tail": daily rows up to the next
  month, monthly rows after; reports are mostly recent, so the tail is short):
  in progress (11) = open − (received − ended) of the tail; overdue (13) = overdue − tail's;
* in progress at S (6) = (11) − received in the period + ended in the period.

A root unit (no parent) reads the grain-1 rows of its tree (level group × field × 16 stripes); any
other unit sums the grain-0 rows of the units of its subtree and groups them by their level now.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Table, func, literal, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from onestop.catalog.snapshots import ScopeUnit
from onestop.metrics import level_groups, periods
from onestop.metrics.bieu06.columns import Cells
from onestop.metrics.bieu06.models import FLOWS
from onestop.metrics.bieu06.rollup import DAILY, MONTHLY, TOTAL
from onestop.metrics.periods import Period

U = periods.U
ENDS = ("end_early", "end_on_time", "end_late", "end_other")
COLUMNS = (*FLOWS, "open")


def _next_month(d: dt.date) -> dt.date:
    return (d.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def _ceil_month(d: dt.date) -> dt.date:
    return d if d.day == 1 else _next_month(d)


def split(start: dt.date, end: dt.date) -> tuple[list[tuple[dt.date, dt.date]], tuple[Any, Any]]:
    """[start, end) as daily ranges and one [from, to) range of whole months (or (None, None))."""
    first, last = _ceil_month(start), end.replace(day=1)
    if first >= last:
        return [(start, end)], (None, None)
    days = [(lo, hi) for lo, hi in ((start, first), (last, end)) if lo < hi]
    return days, (first, last)


def _part(unit: ScopeUnit, table: Table, tag: str, where: list[Any]) -> Any:
    def col(m: str) -> Any:
        return table.c[m] if m in table.c else literal(0)

    cols = [literal(tag).label("tag"), table.c.field, *(col(m).label(m) for m in COLUMNS)]
    if unit.parent_id is None:
        return select(table.c.level_group.label("lv"), *cols).where(
            table.c.grain == 1, table.c.unit_id == unit.id, *where
        )
    return (
        select(U.c.level.label("lv"), *cols)
        .select_from(table.join(U, U.c.id == table.c.unit_id))
        .where(table.c.grain == 0, periods.in_subtree(unit), *where)
    )


def statement(unit: ScopeUnit, p: Period) -> Any:
    end = p.end + dt.timedelta(days=1)
    parts = [_part(unit, TOTAL, "s", [])]
    days, (mlo, mhi) = split(p.start, end)
    for lo, hi in days:
        parts.append(_part(unit, DAILY, "f", [DAILY.c.day >= lo, DAILY.c.day < hi]))
    if mlo is not None:
        parts.append(_part(unit, MONTHLY, "f", [MONTHLY.c.month >= mlo, MONTHLY.c.month < mhi]))
    tail = _ceil_month(end)
    if end < tail:
        parts.append(_part(unit, DAILY, "t", [DAILY.c.day >= end, DAILY.c.day < tail]))
    parts.append(_part(unit, MONTHLY, "t", [MONTHLY.c.month >= tail]))
    u = union_all(*parts).subquery("b06")
    return select(
        u.c.tag, u.c.lv, u.c.field, *(func.sum(u.c[m]).label(m) for m in COLUMNS)
    ).group_by(u.c.tag, u.c.lv, u.c.field)


def _cells(s: dict[str, int], f: dict[str, int], t: dict[str, int]) -> Cells:
    def recv(x: dict[str, int]) -> int:
        return x["recv_online"] + x["recv_other"]

    def ended(x: dict[str, int]) -> int:
        return sum(x[m] for m in ENDS)

    alive_end = s["open"] - (recv(t) - ended(t))
    overdue_end = s["overdue"] - t["overdue"]
    n = {
        4: f["recv_online"],
        5: f["recv_other"],
        6: alive_end - recv(f) + ended(f),
        8: f["end_early"],
        9: f["end_on_time"] + f["end_other"],
        10: f["end_late"],
        12: alive_end - overdue_end,
        13: overdue_end,
    }
    return Cells(n=n, other=f["end_other"])


async def _rows(session: AsyncSession, unit: ScopeUnit, p: Period) -> dict[tuple[str, str], Cells]:
    await periods.custom_plans(session)
    zero = dict.fromkeys(COLUMNS, 0)
    acc: dict[tuple[str, str], dict[str, dict[str, int]]] = {}
    for r in (await session.execute(statement(unit, p))).mappings():
        lv = str(r["lv"]) if unit.parent_id is None else level_groups.level_group(str(r["lv"]))
        parts = acc.setdefault((lv, str(r["field"])), {k: dict(zero) for k in "sft"})
        for m in COLUMNS:
            parts[r["tag"]][m] += int(r[m] or 0)
    out: dict[tuple[str, str], Cells] = {}
    for key, parts in acc.items():
        cells = _cells(parts["s"], parts["f"], parts["t"])
        if cells.n[4] + cells.n[5] + cells.n[6] > 0:  # (3) = 0: nothing of the period
            out[key] = cells
    return out


async def cells_by_level_field(
    session: AsyncSession, unit: ScopeUnit, p: Period
) -> dict[tuple[str, str], Cells]:
    """Cells per (level group, field) of the unit's subtree."""
    return await _rows(session, unit, p)


async def cells_total(session: AsyncSession, unit: ScopeUnit, p: Period) -> Cells:
    """All cells of the unit's subtree together."""
    total = Cells()
    for cells in (await _rows(session, unit, p)).values():
        total.merge(cells)
    return total
