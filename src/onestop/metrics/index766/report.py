"""``GET /api/v1/reports/index-766``: indicators 1.4, 2.1, 4.1–4.3 and 5.4 and the nine evaluation
indicators for one unit's subtree and period, and their CSV / XLSX rendering."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.ext.asyncio import AsyncSession

from onestop.catalog.snapshots import ScopeUnit
from onestop.metrics.export import Cell, Table, period_text
from onestop.metrics.index766 import (
    digitisation as index766_digitisation,
    evaluation as index766_evaluation,
    indicators as index766_indicators,
)
from onestop.metrics.periods import Period
from onestop.metrics.schemas import Index766Report, PeriodRead, ReportUnit

SOURCES = {"auto": "Tự động từ dữ liệu", "entry": "Nhập bởi quản lý", "missing": "Chưa có"}


async def report(
    session: AsyncSession, *, unit: ScopeUnit, p: Period, now: dt.datetime
) -> Index766Report:
    return Index766Report(
        unit=ReportUnit(code=unit.code, name=unit.name),
        period=PeriodRead(from_=p.start, to=p.end),
        indicators=sorted(
            [
                *await index766_indicators.indicators(session, unit, p),
                *await index766_digitisation.indicators(session, unit, p),
            ],
            key=lambda i: [int(n) for n in i.id.split(".")],
        ),
        evaluation=await index766_evaluation.evaluation(session, unit, p),
        generated_at=now,
    )


def table(r: Index766Report) -> Table:
    headers = [
        "Mã",
        "Chỉ số / tiêu chí",
        "Tử số",
        "Mẫu số",
        "Tỷ lệ (%)",
        "Điểm",
        "Điểm tối đa",
        "Nguồn",
    ]
    rows: list[list[Cell]] = []
    for i in r.indicators:
        rows.append(
            [
                i.id,
                i.name,
                i.numerator,
                i.denominator,
                i.ratio,
                i.score,
                i.max_score,
                "Quyết định 766/QĐ-TTg",
            ]
        )
    for e in r.evaluation.indicators:
        rows.append([f"TC{e.number}", e.name, e.basis, None, None, e.score, 2, SOURCES[e.source]])
    rows.append(
        [
            "",
            f"Tổng điểm đánh giá: {r.evaluation.classification or 'chưa xếp loại'}",
            None,
            None,
            None,
            r.evaluation.total,
            r.evaluation.max_total,
            r.evaluation.classification_rule,
        ]
    )
    return Table(
        title=f"Chỉ số phục vụ người dân, doanh nghiệp (Quyết định 766): {r.unit.name}",
        subtitle=period_text(r.period.from_, r.period.to),
        headers=headers,
        rows=rows,
        bold_rows=frozenset({len(rows) - 1}),
    )
