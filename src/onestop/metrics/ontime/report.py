"""``GET /api/v1/reports/on-time``: resolved on-time rates per unit (rolled up through the unit
tree), procedure, field or month, read from the on-time rollups (``report_ontime_*``), never from
the dossier table.

The period is local dates, inclusive; a dossier counts on the local date of ``finished_at``. With
``group_by=unit`` every unit below the chosen one gets a row with its whole subtree's figures, and
the chosen unit's own figures (its subtree) are the total. Each count links to the drill-down list
``/api/v1/reports/on-time/dossiers`` with the same filters, which lists exactly those dossiers.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from decimal import Decimal
from functools import lru_cache
from typing import Any
from urllib.parse import quote, urlencode

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from onestop.catalog import snapshots
from onestop.catalog.models import Procedure
from onestop.catalog.snapshots import ScopeUnit
from onestop.metrics import frozen, periods
from onestop.metrics.ontime import rates, sums as ontime_sums
from onestop.metrics.ontime.sums import Counts, add_sums
from onestop.metrics.periods import Period
from onestop.metrics.schemas import GroupBy, OnTimeReport, OnTimeRow, PeriodRead, ReportUnit

P = Procedure.__table__
U = periods.U

THRESHOLDS = {
    "green": "tỷ lệ ≥ chỉ tiêu (rate ≥ target)",
    "amber": "chỉ tiêu − 2 ≤ tỷ lệ < chỉ tiêu (within 2 points below the target)",
    "red": "tỷ lệ < chỉ tiêu − 2 (more than 2 points below the target)",
}


async def grouped_counts(
    session: AsyncSession, unit: ScopeUnit, p: Period, group_by: GroupBy
) -> dict[Any, Counts]:
    """Sums of the rollups over the period and the unit's subtree, per group key (unit id,
    procedure id, field name, or "YYYY-MM"). Per unit and per month: whole months from the
    monthly rollup, the other days from the daily one."""
    await periods.custom_plans(session)
    out: dict[Any, Counts] = {}
    if group_by in ("procedure", "field"):
        key = "procedure_id" if group_by == "procedure" else "field"
        stmt = ontime_sums.statement("daily", key, "day", 1)
        await add_sums(session, stmt, ontime_sums.params(unit, [(p.start, p.end)]), out, _same)
        return out
    edges, months = periods.whole_months(p)
    by = "competent_unit_id" if group_by == "unit" else None
    as_key = _month_key if group_by == "month" else _same
    if months is not None:
        stmt = ontime_sums.statement("unit_monthly", by or "month", "month", 1)
        await add_sums(session, stmt, ontime_sums.params(unit, [months]), out, as_key)
    if edges:
        stmt = ontime_sums.statement("unit_daily", by or "day", "day", len(edges))
        await add_sums(session, stmt, ontime_sums.params(unit, edges), out, as_key)
    return out


def _same(k: Any) -> Any:
    return k


def _month_key(k: Any) -> str:
    return f"{_as_date(k):%Y-%m}"


def roll_up(units: list[ScopeUnit], own: dict[int, Counts]) -> dict[int, Counts]:
    """Each unit's figures plus those of every unit below it. ``units`` is a subtree with parents
    before children, so one pass from the leaves up adds each unit into its parent."""
    rolled = {}
    for u in units:
        c = own.get(u.id)
        rolled[u.id] = Counts(c.early, c.on_time, c.late) if c is not None else Counts()
    for u in reversed(units):
        parent = rolled.get(u.parent_id) if u.parent_id is not None else None
        if parent is not None:
            child = rolled[u.id]
            if child.early or child.on_time or child.late:
                parent.add(child)
    return rolled


class Linker:
    """Drill-down URLs of a report's counts (built by string formatting: thousands of rows)."""

    def __init__(self, p: Period, enabled: bool = True) -> None:
        self.p = p
        self.enabled = enabled
        self.base = periods.link("on-time/dossiers", from_=p.start, to=p.end)

    def __call__(self, unit_code: str, **filters: Any) -> dict[str, str]:
        if not self.enabled:
            return {}
        if "from_" in filters:
            start, end = filters.pop("from_"), filters.pop("to")
            prefix = periods.link("on-time/dossiers", from_=start, to=end)
        else:
            prefix = self.base
        prefix += f"&unit={quote(unit_code, safe='')}"
        if filters:
            prefix += "&" + urlencode(filters)
        return {b: f"{prefix}&bucket={b}" for b in (*rates.BUCKETS, "finished")}


def _row(
    key: str,
    label: str,
    c: Counts,
    target: Decimal,
    links: dict[str, str],
    unit: ScopeUnit | None = None,
    parent_code: str | None = None,
    *,
    as_json: bool = False,
) -> dict[str, Any]:
    """One row as a dict (``OnTimeRow``'s fields): the report is validated once, in pydantic-core,
    or written as JSON directly (``as_json``: rate and target as numbers). Integer arithmetic: a
    report has thousands of rows, and Decimal arithmetic cost ~10 µs per row."""
    finished = c.early + c.on_time + c.late
    h = rates.hundredths(c.early + c.on_time, finished) if finished > 0 else None
    if as_json:
        rate: Any = h / 100 if h is not None else None  # = float(Decimal(h) / 100), exactly
        shown: Any = _as_float(target)
    else:
        rate = Decimal(h).scaleb(-2) if h is not None else None
        shown = target
    return {
        "key": key,
        "label": label,
        "unit_code": unit.code if unit else None,
        "parent_code": parent_code,
        "level": unit.level if unit else None,
        "depth": unit.depth if unit else None,
        "early": c.early,
        "on_time": c.on_time,
        "late": c.late,
        "finished": finished,
        "rate": rate,
        "target": shown,
        "status": rates.status_hundredths(h, target),
        "links": links,
    }


@lru_cache(maxsize=256)
def _as_float(target: Decimal) -> float:
    return float(target)


def _months(p: Period) -> list[tuple[str, dt.date, dt.date]]:
    out: list[tuple[str, dt.date, dt.date]] = []
    first = p.start.replace(day=1)
    while first <= p.end:
        last = first.replace(day=calendar.monthrange(first.year, first.month)[1])
        out.append((f"{first:%Y-%m}", max(first, p.start), min(last, p.end)))
        first = last + dt.timedelta(days=1)
    return out


Rows = Callable[[], Iterator[dict[str, Any]]]


async def _rows(
    session: AsyncSession,
    unit: ScopeUnit,
    p: Period,
    group_by: GroupBy,
    links: Linker,
    as_json: bool = False,
    worst: int | None = None,
) -> tuple[Counts, Rows]:
    """The total, and the rows as a function that makes them (on demand: a closed period's
    frozen figures are built only when there is one); ``worst``: by unit, only the unit's
    ``worst`` children with the lowest rates, worst first (the dashboard), not its subtree."""
    counts = await grouped_counts(session, unit, p, group_by)
    total = Counts()
    for c in counts.values():
        total.add(c)
    if group_by == "unit":
        units = await snapshots.subtree(session, unit)
        by_id = {u.id: u for u in units}
        rolled = roll_up(units, counts)
        shown = units[1:] if worst is None else worst_children(unit, units, rolled, worst)

        def unit_rows() -> Iterator[dict[str, Any]]:
            no_links: dict[str, str] = {}  # shared by every row when links are off
            for u in shown:
                parent = by_id.get(u.parent_id) if u.parent_id else None
                code = parent.code if parent else None
                row_links = links(u.code) if links.enabled else no_links
                yield _row(
                    u.code, u.name, rolled[u.id], u.target, row_links, u, code, as_json=as_json
                )

        return total, unit_rows
    if group_by == "procedure":
        procs = {
            r.id: r
            for r in (
                await session.execute(
                    select(P.c.id, P.c.code, P.c.name).where(P.c.id.in_(list(counts) or [-1]))
                )
            ).all()
        }

        def procedure_rows() -> Iterator[dict[str, Any]]:
            for pid, c in sorted(counts.items(), key=lambda kv: procs[kv[0]].code):
                code = procs[pid].code
                yield _row(
                    code,
                    procs[pid].name,
                    c,
                    unit.target,
                    links(unit.code, procedure=code),
                    as_json=as_json,
                )

        return total, procedure_rows
    if group_by == "field":

        def field_rows() -> Iterator[dict[str, Any]]:
            for name, c in sorted(counts.items()):
                yield _row(
                    name, name, c, unit.target, links(unit.code, field=name), as_json=as_json
                )

        return total, field_rows

    def month_rows() -> Iterator[dict[str, Any]]:
        for key, first, last in _months(p):
            label = f"Tháng {key[5:]}/{key[:4]}"
            month_links = links(unit.code, from_=first, to=last)
            yield _row(
                key, label, counts.get(key, Counts()), unit.target, month_links, as_json=as_json
            )

    return total, month_rows


def worst_children(
    unit: ScopeUnit, units: list[ScopeUnit], rolled: dict[int, Counts], n: int
) -> list[ScopeUnit]:
    """The unit's ``n`` children with the lowest on-time rates (none yet: last), worst first."""

    def rate(u: ScopeUnit) -> tuple[bool, int, str]:
        c = rolled[u.id]
        h = rates.hundredths(c.early + c.on_time, c.finished) if c.finished else None
        return h is None, h or 0, u.code

    return sorted((u for u in units if u.parent_id == unit.id), key=rate)[:n]


def combined(
    key: str, label: str, rows: Iterable[OnTimeRow], target: Decimal, parent_code: str | None
) -> OnTimeRow:
    """One row for several rows of disjoint subtrees (the units of a level group under one
    unit): their counts added, the rate and status of the sum."""
    total = Counts()
    for r in rows:
        total.add(Counts(r.early, r.on_time, r.late))
    return OnTimeRow.model_validate(_row(key, label, total, target, {}, None, parent_code))


def _as_date(value: Any) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


async def assemble(
    session: AsyncSession,
    *,
    unit: ScopeUnit,
    p: Period,
    group_by: GroupBy,
    now: dt.datetime,
    with_links: bool,
    as_json: bool = False,
    worst: int | None = None,
) -> tuple[dict[str, Any], Rows]:
    """The report's fields but its rows, and its rows (made on demand)."""
    links = Linker(p, with_links)
    # Read before the sums, which switch the rest of the transaction to custom plans (planning
    # these two each time cost more than running them).
    corrections = await periods.corrections(session, unit, p)
    stored = await frozen.find(session, "on-time", unit, p) if group_by == "unit" else None
    total, rows = await _rows(session, unit, p, group_by, links, as_json, worst)
    full = rows
    if worst is not None and stored is not None:  # a closed period compares every unit's figures
        full = (await _rows(session, unit, p, group_by, Linker(p, enabled=False)))[1]
    closed = frozen.compare(stored, lambda: freeze(unit, p, total, full()))
    head = {
        "unit": ReportUnit(code=unit.code, name=unit.name),
        "period": PeriodRead(from_=p.start, to=p.end),
        "group_by": group_by,
        "thresholds": THRESHOLDS,
        "total": _row(unit.code, unit.name, total, unit.target, links(unit.code), unit),
        "rows": [],
        "corrections": corrections,
        "closed_period": closed,
        "generated_at": now,
    }
    return head, rows


async def report(
    session: AsyncSession,
    *,
    unit: ScopeUnit,
    p: Period,
    group_by: GroupBy,
    now: dt.datetime,
    with_links: bool = True,
    worst: int | None = None,
) -> OnTimeReport:
    head, rows = await assemble(
        session,
        unit=unit,
        p=p,
        group_by=group_by,
        now=now,
        with_links=with_links,
        worst=worst,
    )
    return OnTimeReport.model_validate({**head, "rows": list(rows())})


def freeze(
    unit: ScopeUnit, p: Period, total: Counts, rows: Iterable[dict[str, Any]]
) -> dict[str, Any]:
    """The figures a closed period keeps (per-unit rows; no links or timestamps)."""
    return {
        "kind": "on-time",
        "unit": unit.code,
        "from": p.start.isoformat(),
        "to": p.end.isoformat(),
        "total": total.as_dict(),
        "rows": [
            {"unit": r["unit_code"], **Counts(r["early"], r["on_time"], r["late"]).as_dict()}
            for r in rows
        ],
    }


async def figures(session: AsyncSession, unit: ScopeUnit, p: Period) -> dict[str, Any]:
    total, rows = await _rows(session, unit, p, "unit", Linker(p, enabled=False))
    return freeze(unit, p, total, rows())
