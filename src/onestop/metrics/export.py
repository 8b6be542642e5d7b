"""CSV and XLSX renderings of the reports, with Vietnamese headers.

CSV: UTF-8 with a byte-order mark (Excel shows Vietnamese correctly), CRLF line ends, a missing
rate written "—". XLSX: a title and a subtitle above the table, optional group headers (Biểu 06's
"Số hồ sơ nhận giải quyết" spanning its columns), bold totals.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

import xlsxwriter

from onestop.metrics.schemas import OnTimeReport

CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DASH = "—"

Cell = str | int | Decimal | None


@dataclass(frozen=True)
class Export:
    content: bytes
    media_type: str
    filename: str


@dataclass(frozen=True)
class Table:
    title: str
    subtitle: str
    headers: list[str]
    rows: list[list[Cell]]
    #: Rows (0-based, in ``rows``) shown bold: subtotals and totals.
    bold_rows: frozenset[int] = frozenset()
    #: (first column, last column, label) spans written above the headers.
    groups: Sequence[tuple[int, int, str]] = ()


def _text(value: Cell) -> str:
    if value is None:
        return DASH
    return str(value)


def to_csv(t: Table) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    if t.groups:
        line = [""] * len(t.headers)
        for first, _last, label in t.groups:
            line[first] = label
        writer.writerow(line)
    writer.writerow(t.headers)
    for row in t.rows:
        writer.writerow([_text(v) for v in row])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def to_xlsx(t: Table) -> bytes:
    buf = io.BytesIO()
    book = xlsxwriter.Workbook(buf, {"in_memory": True})
    sheet = book.add_worksheet("Bao cao")
    title = book.add_format({"bold": True, "font_size": 14})
    head = book.add_format(
        {"bold": True, "text_wrap": True, "align": "center", "valign": "vcenter", "border": 1}
    )
    plain = book.add_format({"border": 1})
    bold = book.add_format({"border": 1, "bold": True})
    number = book.add_format({"border": 1, "num_format": "0.00"})
    bold_number = book.add_format({"border": 1, "bold": True, "num_format": "0.00"})
    sheet.write_string(0, 0, t.title, title)
    sheet.write_string(1, 0, t.subtitle)
    row = 3
    if t.groups:
        covered: set[int] = set()
        for first, last, label in t.groups:
            if last > first:
                sheet.merge_range(row, first, row, last, label, head)
            else:
                sheet.write_string(row, first, label, head)
            covered.update(range(first, last + 1))
        for j in range(len(t.headers)):
            if j not in covered:
                sheet.write_blank(row, j, None, head)
        row += 1
    for j, h in enumerate(t.headers):
        sheet.write_string(row, j, h, head)
    header_row = row
    for i, values in enumerate(t.rows):
        r = header_row + 1 + i
        strong = i in t.bold_rows
        for j, v in enumerate(values):
            if isinstance(v, Decimal):
                sheet.write_number(r, j, float(v), bold_number if strong else number)
            elif isinstance(v, int) and not isinstance(v, bool):
                sheet.write_number(r, j, v, bold if strong else plain)
            else:
                sheet.write_string(r, j, _text(v), bold if strong else plain)
    for j, h in enumerate(t.headers):
        sheet.set_column(j, j, max(8, min(45, len(h) + 2)))
    sheet.freeze_panes(header_row + 1, 0)
    book.close()
    return buf.getvalue()


def render(t: Table, fmt: str, slug: str) -> Export:
    if fmt == "csv":
        return Export(to_csv(t), CSV_TYPE, f"{slug}.csv")
    return Export(to_xlsx(t), XLSX_TYPE, f"{slug}.xlsx")


def period_text(start: dt.date, end: dt.date) -> str:
    return f"Từ ngày {start:%d/%m/%Y} đến ngày {end:%d/%m/%Y}"


def ontime_table(report: OnTimeReport) -> Table:
    status = {"green": "Đạt", "amber": "Gần đạt", "red": "Không đạt", None: DASH}
    first = {"unit": "Đơn vị", "procedure": "Thủ tục", "field": "Lĩnh vực", "month": "Tháng"}
    headers = [
        "STT",
        "Mã" if report.group_by != "month" else "Kỳ",
        first[report.group_by],
        "Trước hạn",
        "Đúng hạn",
        "Quá hạn",
        "Tổng số đã giải quyết",
        "Tỷ lệ đúng hạn (%)",
        "Chỉ tiêu (%)",
        "Đánh giá",
    ]
    rows: list[list[Cell]] = []
    for i, r in enumerate([*report.rows, report.total], start=1):
        last = i == len(report.rows) + 1
        rows.append(
            [
                "" if last else str(i),
                r.key,
                f"Tổng cộng: {r.label}" if last else r.label,
                r.early,
                r.on_time,
                r.late,
                r.finished,
                r.rate,
                r.target,
                status[r.status],
            ]
        )
    return Table(
        title=f"Tỷ lệ hồ sơ giải quyết đúng hạn: {report.unit.name}",
        subtitle=period_text(report.period.from_, report.period.to),
        headers=headers,
        rows=rows,
        bold_rows=frozenset({len(rows) - 1}),
    )
