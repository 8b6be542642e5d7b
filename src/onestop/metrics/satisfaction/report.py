"""``GET /api/v1/reports/satisfaction``: ratings per unit (rolled up through the unit tree) for
ratings given in the period; rate = (rất hài lòng + hài lòng) ÷ ratings × 100, half-up to 2
decimals. Target 90 % (provincial plans ask "at least 90 %"), same green / amber / red bands as the
on-time report. Each count links to ``/api/v1/reports/satisfaction/ratings``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from decimal import Decimal
from functools import lru_cache
from typing import Any
from urllib.parse import quote_plus

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from onestop.catalog.snapshots import ScopeUnit
from onestop.core.paging import Page, encode_cursor
from onestop.dossiers.models import Dossier
from onestop.metrics import drill, periods
from onestop.metrics.export import Cell, Table, period_text
from onestop.metrics.ontime import rates
from onestop.metrics.periods import Period
from onestop.metrics.satisfaction import rollup
from onestop.metrics.satisfaction.models import FollowupTask, Rating
from onestop.metrics.satisfaction.service import LEVELS_VI
from onestop.metrics.schemas import (
    FollowupTaskRead,
    PeriodRead,
    RatingItem,
    RatingLevel,
    ReportUnit,
    SatisfactionReport,
    SatisfactionRow,
)

TARGET = Decimal("90.00")
LEVELS: tuple[RatingLevel, ...] = ("rat_hai_long", "hai_long", "khong_hai_long")
RT = Rating.__table__
FT = FollowupTask.__table__
U = periods.U
D = Dossier.__table__


def _links(p: Period, unit_code: str) -> dict[str, str]:
    """The drill-down URLs of a row (``periods.link``'s, by string formatting over one prefix:
    a province's report has 2,000 rows, and ``urlencode`` per link was most of its time)."""
    ratings = f"{_ratings_link(p)}&unit={quote_plus(unit_code)}"
    out: dict[str, str] = {lv: f"{ratings}&level={lv}" for lv in LEVELS}
    out["ratings"] = ratings
    return out


@lru_cache(maxsize=64)
def _ratings_link(p: Period) -> str:
    return periods.link("satisfaction/ratings", from_=p.start, to=p.end)


def _figures(counts: Mapping[str, int], target: Decimal) -> dict[str, Any]:
    """A row's counts per level, their total, the rate and its status against the target."""
    total = sum(counts[lv] for lv in LEVELS)
    r = rates.percent(counts["rat_hai_long"] + counts["hai_long"], total) if total else None
    return {
        **{lv: counts[lv] for lv in LEVELS},
        "ratings": total,
        "rate": r,
        "target": target,
        "status": rates.status(r, target),
    }


def _row(u: ScopeUnit, counts: Mapping[str, int], p: Period, parent: str | None) -> SatisfactionRow:
    return SatisfactionRow(
        key=u.code,
        label=u.name,
        unit_code=u.code,
        parent_code=parent,
        level=u.level,
        depth=u.depth,
        links=_links(p, u.code),
        **_figures(counts, TARGET),
    )


def combined(
    key: str, label: str, rows: Sequence[SatisfactionRow], target: Decimal, parent_code: str
) -> SatisfactionRow:
    """One row for several rows of disjoint subtrees (the units of a level group under one
    unit): their ratings added, the rate and status of the sum; no links (a group is not a
    unit the ratings list filters by)."""
    return SatisfactionRow(
        key=key,
        label=label,
        unit_code=None,
        parent_code=parent_code,
        depth=rows[0].depth if rows else 1,
        links={},
        **_figures({lv: sum(getattr(r, lv) for r in rows) for lv in LEVELS}, target),
    )


def _worst_children(
    unit: ScopeUnit, units: list[ScopeUnit], rolled: dict[int, dict[str, int]], n: int
) -> list[ScopeUnit]:
    """The unit's ``n`` children with the lowest satisfaction rates (none yet: last)."""

    def rate(u: ScopeUnit) -> tuple[bool, Decimal, str]:
        r = _figures(rolled[u.id], TARGET)["rate"]
        return r is None, r or Decimal(0), u.code

    return sorted((u for u in units if u.parent_id == unit.id), key=rate)[:n]


async def report(
    session: AsyncSession,
    *,
    unit: ScopeUnit,
    p: Period,
    now: dt.datetime,
    worst: int | None = None,
) -> SatisfactionReport:
    """Every unit of the subtree, each with the ratings of its own subtree (``worst``: only the
    unit's ``worst`` children with the lowest rates, worst first, for the dashboard)."""
    await periods.custom_plans(session)
    units = await periods.subtree(session, unit)
    ids = {u.id for u in units}
    by_id = {u.id: u for u in units}
    rolled: dict[int, dict[str, int]] = {u.id: {lv: 0 for lv in LEVELS} for u in units}
    for (unit_id, level), n in (await rollup.level_counts(session, unit, p)).items():
        for part in by_id[unit_id].path.strip("/").split("/"):
            if int(part) in ids:
                rolled[int(part)][level] += int(n)
    rows = []
    shown = units[1:] if worst is None else _worst_children(unit, units, rolled, worst)
    for u in shown:
        parent = by_id.get(u.parent_id) if u.parent_id else None
        rows.append(_row(u, rolled[u.id], p, parent.code if parent else None))
    return SatisfactionReport(
        unit=ReportUnit(code=unit.code, name=unit.name),
        period=PeriodRead(from_=p.start, to=p.end),
        total=_row(unit, rolled[unit.id], p, None),
        rows=rows,
        generated_at=now,
    )


async def ratings(
    session: AsyncSession,
    *,
    unit: ScopeUnit,
    p: Period,
    level: RatingLevel | None,
    limit: int,
    cursor: str | None,
) -> Page[RatingItem]:
    after = drill.after_id(cursor)
    stmt = (
        select(RT, D.c.code.label("dossier_code"), U.c.code.label("unit_code"))
        .select_from(RT.join(U, U.c.id == RT.c.unit_id).join(D, D.c.id == RT.c.dossier_id))
        .where(RT.c.at >= p.start_at, RT.c.at < p.end_at, periods.in_subtree(unit))
        .order_by(RT.c.id)
        .limit(limit + 1)
    )
    if level is not None:
        stmt = stmt.where(RT.c.level == level)
    if after is not None:
        stmt = stmt.where(RT.c.id > after)
    rows: list[Any] = list((await session.execute(stmt)).mappings().all())
    more = len(rows) > limit
    rows = rows[:limit]
    return Page[RatingItem](
        items=[
            RatingItem(
                dossier_code=r["dossier_code"],
                unit_code=r["unit_code"],
                level=r["level"],
                channel=r["channel"],
                comment=r["comment"],
                at=r["at"],
            )
            for r in rows
        ],
        next_cursor=encode_cursor([rows[-1]["id"]]) if more else None,
    )


async def followups(
    session: AsyncSession,
    *,
    unit: ScopeUnit,
    open_only: bool,
    limit: int,
    cursor: str | None,
) -> Page[FollowupTaskRead]:
    """Follow-up tasks of "không hài lòng" ratings in the unit's subtree, newest first."""
    after = drill.after_id(cursor)
    stmt = (
        select(
            FT,
            D.c.code.label("dossier_code"),
            U.c.code.label("unit_code"),
            RT.c.level,
            RT.c.comment,
        )
        .select_from(
            FT.join(U, U.c.id == FT.c.unit_id)
            .join(D, D.c.id == FT.c.dossier_id)
            .join(RT, RT.c.id == FT.c.rating_id)
        )
        .where(periods.in_subtree(unit))
        .order_by(FT.c.id.desc())
        .limit(limit + 1)
    )
    if open_only:
        stmt = stmt.where(FT.c.resolved_at.is_(None))
    if after is not None:
        stmt = stmt.where(FT.c.id < after)
    rows: list[Any] = list((await session.execute(stmt)).mappings().all())
    more = len(rows) > limit
    rows = rows[:limit]
    return Page[FollowupTaskRead](
        items=[
            FollowupTaskRead(
                id=r["id"],
                kind=r["kind"],
                unit_code=r["unit_code"],
                dossier_code=r["dossier_code"],
                level=r["level"],
                comment=r["comment"],
                title=r["title"],
                assignee_role=r["assignee_role"],
                created_at=r["created_at"],
                resolved_at=r["resolved_at"],
            )
            for r in rows
        ],
        next_cursor=encode_cursor([rows[-1]["id"]]) if more else None,
    )


def table(report: SatisfactionReport) -> Table:
    status = {"green": "Đạt", "amber": "Gần đạt", "red": "Không đạt", None: "—"}
    headers = [
        "STT",
        "Mã đơn vị",
        "Đơn vị",
        LEVELS_VI["rat_hai_long"],
        LEVELS_VI["hai_long"],
        LEVELS_VI["khong_hai_long"],
        "Tổng số đánh giá",
        "Tỷ lệ hài lòng (%)",
        "Chỉ tiêu (%)",
        "Đánh giá",
    ]
    body: list[list[Cell]] = []
    for i, r in enumerate([*report.rows, report.total], start=1):
        last = i == len(report.rows) + 1
        body.append(
            [
                "" if last else str(i),
                r.unit_code,
                f"Tổng cộng: {r.label}" if last else r.label,
                r.rat_hai_long,
                r.hai_long,
                r.khong_hai_long,
                r.ratings,
                r.rate,
                r.target,
                status[r.status],
            ]
        )
    return Table(
        title=f"Mức độ hài lòng của tổ chức, cá nhân: {report.unit.name}",
        subtitle=period_text(report.period.from_, report.period.to),
        headers=headers,
        rows=body,
        bold_rows=frozenset({len(body) - 1}),
    )
