"""``GET /api/v1/reports/bieu-06``: the report grouped by level (cấp) and field (lĩnh vực), with
subtotals and a total, every cell linked to ``/api/v1/reports/bieu-06/dossiers``; and that list."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from onestop.catalog.snapshots import ScopeUnit
from onestop.core.paging import Page, encode_cursor
from onestop.metrics import drill, frozen, level_groups, periods
from onestop.metrics.bieu06 import columns as bieu06_columns, read as bieu06_read
from onestop.metrics.bieu06.columns import Cells
from onestop.metrics.periods import Period
from onestop.metrics.schemas import (
    Bieu06Report,
    Bieu06Row,
    Bieu06Section,
    CorrectionRead,
    PeriodRead,
    ReportDossier,
    ReportUnit,
)

COLUMNS = tuple(range(3, 14))
ROMAN = ["I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X"]


def _links(p: Period, unit: ScopeUnit, **filters: Any) -> dict[str, str]:
    return {
        f"c{n}": periods.link(
            "bieu-06/dossiers", from_=p.start, to=p.end, unit=unit.code, **filters, column=n
        )
        for n in COLUMNS
    }


def _row(
    stt: str,
    label: str,
    cells: Cells,
    links: dict[str, str],
    level: str | None = None,
    fld: str | None = None,
) -> Bieu06Row:
    return Bieu06Row(
        stt=stt,
        label=label,
        level=level,
        field=fld,
        columns=cells.columns(),
        withdrawn_stopped=cells.other,
        links=links,
    )


def notes(p: Period, total: Cells) -> list[str]:
    return [
        "Cột (5) gồm hồ sơ nộp trực tiếp và qua dịch vụ bưu chính.",
        f"Cột (9) gồm {total.other} hồ sơ công dân rút hoặc dừng xử lý sau khi đã tiếp nhận"
        " (tính là đúng hạn theo ghi chú Biểu II.06a).",
        "Hồ sơ không được tiếp nhận (mã 3) và hồ sơ trực tuyến chưa được tiếp nhận (mã 1)"
        " không được tính.",
        f"Hồ sơ đang giải quyết được xét tại thời điểm hết ngày {p.end:%d/%m/%Y}: quá hạn khi đã"
        " yêu cầu bổ sung quá một lần (kể cả khi đang chờ bổ sung), hoặc khi hạn trả tại thời"
        " điểm đó đã qua mà không đang chờ bổ sung; còn lại là trong hạn.",
        "Trước hạn: xong trước giờ mở cửa của ngày làm việc có hạn trả; đúng hạn: từ đó đến"
        " hạn trả; quá hạn: sau hạn trả hoặc yêu cầu bổ sung quá một lần.",
    ]


async def _build(
    session: AsyncSession, unit: ScopeUnit, p: Period
) -> tuple[list[Bieu06Section], Bieu06Row, Cells]:
    cells = await bieu06_read.cells_by_level_field(session, unit, p)
    order = [g[0] for g in level_groups.LEVEL_GROUPS] + [level_groups.OTHER_GROUP[0]]
    sections: list[Bieu06Section] = []
    total = Cells()
    for group in order:
        fields = sorted(f for (g, f) in cells if g == group)
        if not fields:
            continue
        subtotal = Cells()
        rows: list[Bieu06Row] = []
        for i, fld in enumerate(fields, start=1):
            c = cells[(group, fld)]
            subtotal.merge(c)
            rows.append(_row(str(i), fld, c, _links(p, unit, level=group, field=fld), group, fld))
        total.merge(subtotal)
        stt = ROMAN[len(sections)] if len(sections) < len(ROMAN) else str(len(sections) + 1)
        label = level_groups.group_label(group)
        sections.append(
            Bieu06Section(
                level=group,
                label=label,
                rows=rows,
                subtotal=_row(stt, label, subtotal, _links(p, unit, level=group), group),
            )
        )
    return sections, _row("", "Tổng cộng", total, _links(p, unit)), total


def freeze(
    unit: ScopeUnit, p: Period, sections: list[Bieu06Section], total: Bieu06Row
) -> dict[str, Any]:
    def cells(r: Bieu06Row) -> dict[str, Any]:
        return {**r.columns.model_dump(), "withdrawn_stopped": r.withdrawn_stopped}

    return {
        "kind": "bieu-06",
        "unit": unit.code,
        "from": p.start.isoformat(),
        "to": p.end.isoformat(),
        "sections": [
            {
                "level": s.level,
                "rows": [{"field": r.field, **cells(r)} for r in s.rows],
                "subtotal": cells(s.subtotal),
            }
            for s in sections
        ],
        "total": cells(total),
    }


async def figures(session: AsyncSession, unit: ScopeUnit, p: Period) -> dict[str, Any]:
    sections, total, _ = await _build(session, unit, p)
    return freeze(unit, p, sections, total)


async def report(
    session: AsyncSession, *, unit: ScopeUnit, p: Period, now: dt.datetime
) -> Bieu06Report:
    sections, total_row, total = await _build(session, unit, p)
    closed = await frozen.matching(
        session, "bieu-06", unit, p, lambda: freeze(unit, p, sections, total_row)
    )
    return Bieu06Report(
        unit=ReportUnit(code=unit.code, name=unit.name),
        period=PeriodRead(from_=p.start, to=p.end),
        sections=sections,
        total=total_row,
        notes=notes(p, total),
        corrections=[CorrectionRead(**c) for c in await periods.corrections(session, unit, p)],
        closed_period=closed,
        generated_at=now,
    )


async def dossiers(
    session: AsyncSession,
    *,
    unit: ScopeUnit,
    p: Period,
    column: int,
    level: str | None,
    field: str | None,
    procedure: str | None,
    limit: int,
    cursor: str | None,
) -> Page[ReportDossier]:
    """The dossiers of one cell (same membership query as the counts), by dossier id."""
    pid = await drill.procedure_id(session, procedure)
    after = drill.after_id(cursor)
    c = bieu06_columns.candidates(unit, p)
    D, P = bieu06_columns.D, bieu06_columns.P
    cu = bieu06_columns.U.alias("cu")
    stmt = (
        select(c.c.receipt, c.c.resolution, *_item_columns(cu))
        .select_from(
            c.join(D, D.c.id == c.c.id)
            .join(cu, cu.c.id == c.c.competent_unit_id)
            .join(P, P.c.id == c.c.procedure_id)
        )
        .where(bieu06_columns.column_filter(c, column))
        .order_by(c.c.id)
        .limit(limit + 1)
    )
    if level is not None:
        stmt = stmt.where(level_groups.in_group(cu.c.level, level))
    if field is not None:
        stmt = stmt.where(P.c.field == field)
    if pid is not None:
        stmt = stmt.where(c.c.procedure_id == pid)
    if after is not None:
        stmt = stmt.where(c.c.id > after)
    rows = (await session.execute(stmt)).mappings().all()
    more = len(rows) > limit
    rows = rows[:limit]
    return Page[ReportDossier](
        items=[drill.to_item(r, _cell(column, r)) for r in rows],
        next_cursor=encode_cursor([rows[-1]["id"]]) if more else None,
    )


def _cell(column: int, r: Any) -> int:
    """The most specific column the row is in (its receipt or resolution bucket)."""
    if column in (3, *bieu06_columns.RECEIPT):
        return int(r["receipt"])
    return int(r["resolution"])


def _item_columns(cu: Any) -> tuple[Any, ...]:
    D, P = bieu06_columns.D, bieu06_columns.P
    return (
        D.c.id,
        D.c.code,
        D.c.channel,
        D.c.status,
        D.c.received_at,
        D.c.due_at,
        D.c.finished_at,
        D.c.ended_at,
        D.c.supplement_count,
        D.c.late_flag,
        D.c.timing,
        P.c.code.label("procedure_code"),
        P.c.field,
        cu.c.code.label("unit_code"),
    )
