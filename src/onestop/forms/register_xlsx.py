"""Form 07 (Sổ theo dõi hồ sơ) as an XLSX workbook with Vietnamese headers (xlsxwriter).

Instants are written as real Excel date-times in Asia/Ho_Chi_Minh local time (Excel has no zones),
formatted ``dd/mm/yyyy hh:mm``.
"""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import xlsxwriter

from onestop.forms import formatting
from onestop.forms.contexts import RegisterContext, RegisterRow

#: (header, column width in characters) — the columns of Mẫu 07 (docs/rules.md §13).
REGISTER_COLUMNS: tuple[tuple[str, float], ...] = (
    ("TT", 5),
    ("Mã hồ sơ", 24),
    ("Tên TTHC", 40),
    ("Số lượng hồ sơ (bộ)", 10),
    ("Tên cá nhân, tổ chức", 26),
    ("Địa chỉ, số điện thoại", 34),
    ("Cơ quan chủ trì giải quyết", 28),
    ("Nhận hồ sơ (ngày, tháng, năm)", 17),
    ("Hẹn trả kết quả", 17),
    ("Chuyển hồ sơ đến cơ quan giải quyết", 17),
    ("Nhận kết quả từ cơ quan giải quyết", 17),
    ("Trả kết quả cho cá nhân, tổ chức (ngày, tháng, năm; ký nhận)", 20),
    ("Ghi chú", 24),
)

_FONT = "Times New Roman"  # what Vietnamese offices expect in spreadsheets; Excel has the glyphs
_DATETIME_COLUMNS = range(7, 12)


def _naive_local(instant: dt.datetime | None) -> dt.datetime | None:
    return None if instant is None else formatting.local(instant).replace(tzinfo=None)


def _values(index: int, row: RegisterRow) -> list[Any]:
    contact = "; ".join(part for part in (row.applicant_address, row.applicant_phone) if part)
    return [
        index,
        row.dossier_code,
        row.procedure_name,
        row.sets,
        row.applicant_name,
        contact,
        row.competent_unit,
        _naive_local(row.received_at),
        _naive_local(row.appointment_at),
        _naive_local(row.transferred_at),
        _naive_local(row.result_received_at),
        _naive_local(row.returned_at),
        row.note or "",
    ]


def register_xlsx(context: RegisterContext) -> bytes:
    """The register as XLSX: title rows, a frozen header row, one row per dossier."""
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
    base = {"font_name": _FONT, "font_size": 11, "valign": "top"}
    title = workbook.add_format({**base, "bold": True, "font_size": 14, "align": "center"})
    subtitle = workbook.add_format({**base, "italic": True, "align": "center"})
    unit = workbook.add_format({**base, "bold": True})
    header = workbook.add_format(
        {**base, "bold": True, "text_wrap": True, "align": "center", "valign": "vcenter"}
        | {"border": 1, "bg_color": "#E8E8E8"}
    )
    cell = workbook.add_format({**base, "text_wrap": True, "border": 1})
    center = workbook.add_format({**base, "align": "center", "border": 1})
    when = workbook.add_format({**base, "num_format": "dd/mm/yyyy hh:mm", "border": 1})

    sheet = workbook.add_worksheet("Sổ theo dõi hồ sơ")
    last_col = len(REGISTER_COLUMNS) - 1
    sheet.write(0, 0, context.governing_body.upper(), unit)
    sheet.write(1, 0, context.unit_name.upper(), unit)
    sheet.merge_range(2, 0, 2, last_col, "SỔ THEO DÕI HỒ SƠ", title)
    period = (
        f"Từ {formatting.vn_date(context.period_from)} đến {formatting.vn_date(context.period_to)}"
    )
    sheet.merge_range(3, 0, 3, last_col, period, subtitle)
    header_row = 5
    sheet.set_row(header_row, 48)
    for col, (name, width) in enumerate(REGISTER_COLUMNS):
        sheet.set_column(col, col, width)
        sheet.write(header_row, col, name, header)
    for offset, row in enumerate(context.rows, start=1):
        r = header_row + offset
        for col, value in enumerate(_values(offset, row)):
            if col in _DATETIME_COLUMNS:
                if value is None:
                    sheet.write_blank(r, col, None, when)
                else:
                    sheet.write_datetime(r, col, value, when)
            elif col in (0, 3):
                sheet.write_number(r, col, value, center)
            else:
                sheet.write_string(r, col, value, cell)
    sheet.freeze_panes(header_row + 1, 0)
    sheet.autofilter(header_row, 0, header_row + len(context.rows), last_col)
    sheet.repeat_rows(header_row)
    sheet.set_landscape()
    sheet.set_paper(9)  # A4
    sheet.fit_to_pages(1, 0)
    workbook.set_properties({"title": "Sổ theo dõi hồ sơ", "subject": context.unit_name})
    workbook.close()
    return buffer.getvalue()
