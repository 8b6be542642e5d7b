"""Biểu 06 as CSV / XLSX: the form's layout (group headers over columns 3–13, sections by level
with their subtotals, the total last)."""

from __future__ import annotations

from onestop.metrics.export import Cell, Table, period_text
from onestop.metrics.schemas import Bieu06Report, Bieu06Row

HEADERS = [
    "STT",
    "Lĩnh vực, công việc giải quyết theo cấp",
    "Tổng số (3)",
    "Trực tuyến (4)",
    "Trực tiếp, dịch vụ bưu chính (5)",
    "Từ kỳ trước (6)",
    "Tổng số (7)",
    "Trước hạn (8)",
    "Đúng hạn (9)",
    "Quá hạn (10)",
    "Tổng số (11)",
    "Trong hạn (12)",
    "Quá hạn (13)",
]
GROUPS = [
    (2, 5, "Số hồ sơ nhận giải quyết"),
    (6, 9, "Số hồ sơ đã giải quyết"),
    (10, 12, "Số hồ sơ đang giải quyết"),
]


def _line(r: Bieu06Row) -> list[Cell]:
    c = r.columns
    return [r.stt, r.label, c.c3, c.c4, c.c5, c.c6, c.c7, c.c8, c.c9, c.c10, c.c11, c.c12, c.c13]


def table(report: Bieu06Report) -> Table:
    rows: list[list[Cell]] = []
    bold: set[int] = set()
    for section in report.sections:
        bold.add(len(rows))
        rows.append(_line(section.subtotal))
        rows.extend(_line(r) for r in section.rows)
    bold.add(len(rows))
    rows.append(_line(report.total))
    return Table(
        title=f"Biểu 06/VPCP/KSTT: Tình hình, kết quả giải quyết TTHC tại {report.unit.name}",
        subtitle=f"{period_text(report.period.from_, report.period.to)}. Đơn vị tính: hồ sơ.",
        headers=HEADERS,
        rows=rows,
        bold_rows=frozenset(bold),
        groups=GROUPS,
    )
