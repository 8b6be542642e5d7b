"""CSV and XLSX exports of the worklists, with Vietnamese headers and local (+07:00) times.

CSV is UTF-8 with a byte-order mark (Excel opens Vietnamese text correctly) and CRLF line ends;
its numbers are written as a person reads them (``2,5`` with the Vietnamese decimal comma, through
``onestop.core.numbers``); the XLSX keeps them numeric for the spreadsheet to format.
An export holds every matching row up to ``MAX_ROWS``; more is a 422 asking for narrower filters.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Sequence
from dataclasses import dataclass

import xlsxwriter

from onestop.core.errors import InvalidInput
from onestop.core.numbers import number
from onestop.metrics.worklists.schemas import StepWarningItem, WorkingTime, WorklistItem
from onestop.worktime import TZ

MAX_ROWS = 50_000
CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
APOLOGY_LABELS = {"none": "Chưa có", "on_time": "Đúng hạn", "late": "Xin lỗi muộn"}
DEADLINE_LABELS = {"resolution": "Hạn giải quyết", "acceptance": "Hạn tiếp nhận"}
TITLES = {
    "due_soon": ("Hồ sơ sắp đến hạn", "ho-so-sap-den-han"),
    "overdue": ("Hồ sơ quá hạn", "ho-so-qua-han"),
    "step_warnings": ("Bước xử lý quá hạn", "canh-bao-buoc-qua-han"),
}

Cell = str | float | None


@dataclass(frozen=True)
class Export:
    content: bytes
    media_type: str
    filename: str


def too_many() -> InvalidInput:
    return InvalidInput(
        f"Quá {MAX_ROWS} dòng; hãy lọc hẹp hơn (more than {MAX_ROWS} rows: narrow the filters)",
        code="export-too-large",
        max_rows=MAX_ROWS,
    )


def local(at: dt.datetime | None) -> str:
    return at.astimezone(TZ).strftime("%d/%m/%Y %H:%M") if at is not None else ""


def _hours(w: WorkingTime | None) -> Cell:
    return w.hours if w is not None else None


def _days(w: WorkingTime | None) -> Cell:
    return w.days if w is not None else None


def worklist_table(kind: str, rows: Sequence[WorklistItem]) -> tuple[list[str], list[list[Cell]]]:
    late = kind == "overdue"
    word = "quá hạn" if late else "còn lại"
    headers = [
        "STT",
        "Mã hồ sơ",
        "Mã thủ tục",
        "Tên thủ tục",
        "Người nộp",
        "Đơn vị tiếp nhận",
        "Cơ quan giải quyết",
        "Trạng thái",
        "Bước hiện tại",
        "Đơn vị xử lý bước",
        "Cán bộ xử lý",
        "Loại hạn",
        "Hạn tiếp nhận",
        "Hạn giải quyết",
        f"Số giờ làm việc {word}",
        f"Số ngày làm việc {word}",
        "Văn bản xin lỗi",
        "Số văn bản",
        "Hẹn lại",
    ]
    body: list[list[Cell]] = []
    for n, r in enumerate(rows, start=1):
        w = r.working_time_late if late else r.working_time_left
        step = r.current_step
        body.append(
            [
                str(n),
                r.code,
                r.procedure.code,
                r.procedure.name,
                r.applicant_name,
                r.receiving_unit.name,
                r.competent_unit.name,
                r.status_label,
                step.name if step else "",
                step.unit.name if step else "",
                (step.handler_name or step.handler or "") if step else "",
                DEADLINE_LABELS[r.deadline],
                local(r.accept_due_at),
                local(r.due_at),
                _hours(w),
                _days(w),
                APOLOGY_LABELS[r.apology.status],
                r.apology.letter_number or "",
                local(r.apology.new_appointment_at),
            ]
        )
    return headers, body


def steps_table(rows: Sequence[StepWarningItem]) -> tuple[list[str], list[list[Cell]]]:
    headers = [
        "STT",
        "Mã hồ sơ",
        "Mã thủ tục",
        "Tên thủ tục",
        "Người nộp",
        "Bước",
        "Đơn vị xử lý bước",
        "Cán bộ xử lý",
        "Bắt đầu",
        "Thời gian bước (giờ)",
        "Hạn của bước",
        "Số giờ làm việc quá hạn của bước",
        "Hạn giải quyết hồ sơ",
        "Số giờ làm việc còn lại của hồ sơ",
    ]
    body: list[list[Cell]] = []
    for n, r in enumerate(rows, start=1):
        body.append(
            [
                str(n),
                r.code,
                r.procedure.code,
                r.procedure.name,
                r.applicant_name,
                r.step.name,
                r.step.unit.name,
                r.step.handler_name or r.step.handler or "",
                local(r.step.started_at),
                r.step.budget_hours,
                local(r.step.due_at),
                _hours(r.working_time_over),
                local(r.dossier_due_at),
                _hours(r.dossier_working_time_left),
            ]
        )
    return headers, body


def to_csv(headers: list[str], body: list[list[Cell]]) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(headers)
    for row in body:
        writer.writerow(
            ["" if c is None else number(c) if isinstance(c, float) else c for c in row]
        )
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def to_xlsx(title: str, subtitle: str, headers: list[str], body: list[list[Cell]]) -> bytes:
    buf = io.BytesIO()
    book = xlsxwriter.Workbook(buf, {"in_memory": True})
    sheet = book.add_worksheet(title[:31])
    bold = book.add_format({"bold": True, "font_size": 13})
    head = book.add_format({"bold": True, "text_wrap": True, "border": 1, "valign": "top"})
    cell = book.add_format({"border": 1, "valign": "top", "text_wrap": True})
    number = book.add_format({"border": 1, "valign": "top", "num_format": "0.00"})
    sheet.write(0, 0, title, bold)
    sheet.write(1, 0, subtitle)
    sheet.write_row(3, 0, headers, head)
    for i, row in enumerate(body, start=4):
        for j, value in enumerate(row):
            if isinstance(value, float):
                sheet.write_number(i, j, value, number)
            elif value is None:
                sheet.write_blank(i, j, None, cell)
            else:
                sheet.write_string(i, j, value, cell)
    for j, h in enumerate(headers):
        sheet.set_column(j, j, 6 if j == 0 else max(14, min(40, len(h) + 2)))
    sheet.freeze_panes(4, 2)
    book.close()
    return buf.getvalue()


def render(
    kind: str, fmt: str, as_of: dt.datetime, headers: list[str], body: list[list[Cell]]
) -> Export:
    title, slug = TITLES[kind]
    stamp = as_of.astimezone(TZ).strftime("%Y%m%d-%H%M")
    if fmt == "csv":
        return Export(to_csv(headers, body), CSV_TYPE, f"{slug}-{stamp}.csv")
    subtitle = f"Tính đến {local(as_of)} (giờ Việt Nam); {len(body)} hồ sơ"
    return Export(to_xlsx(title, subtitle, headers, body), XLSX_TYPE, f"{slug}-{stamp}.xlsx")
