"""Form 07 as XLSX, read back from the zip (openpyxl is not a dependency)."""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from xml.etree import ElementTree

import pytest
from tests.forms.samples import CODE, register

from onestop.forms import register_xlsx
from onestop.forms.register_xlsx import REGISTER_COLUMNS

NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
EXCEL_EPOCH = dt.datetime(1899, 12, 30)


def _read(data: bytes) -> tuple[dict[str, str | float], ElementTree.Element, str]:
    """Cells by reference (shared strings resolved, numbers as float), the sheet XML, the
    workbook XML."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        shared_root = ElementTree.fromstring(archive.read("xl/sharedStrings.xml"))
        shared = ["".join(t.text or "" for t in si.iter(f"{{{NS['m']}}}t")) for si in shared_root]
        sheet = ElementTree.fromstring(archive.read("xl/worksheets/sheet1.xml"))
        workbook = archive.read("xl/workbook.xml").decode()
    cells: dict[str, str | float] = {}
    for cell in sheet.iterfind(".//m:c", NS):
        value = cell.find("m:v", NS)
        if value is None or value.text is None:
            continue
        ref = cell.attrib["r"]
        cells[ref] = shared[int(value.text)] if cell.get("t") == "s" else float(value.text)
    return cells, sheet, workbook


def _serial(local: dt.datetime) -> object:
    return pytest.approx((local - EXCEL_EPOCH).total_seconds() / 86_400, abs=1e-8)


def test_register_xlsx_has_title_headers_widths_and_rows() -> None:
    cells, sheet, workbook = _read(register_xlsx(register(rows=3)))
    assert 'name="Sổ theo dõi hồ sơ"' in workbook
    assert cells["A1"] == "UBND TỈNH NGHỆ AN"
    assert cells["A2"] == "TRUNG TÂM PHỤC VỤ HÀNH CHÍNH CÔNG TỈNH NGHỆ AN"
    assert cells["A3"] == "SỔ THEO DÕI HỒ SƠ"
    assert cells["A4"] == "Từ ngày 01 tháng 02 năm 2026 đến ngày 31 tháng 3 năm 2026"
    headers = [cells[f"{chr(ord('A') + i)}6"] for i in range(len(REGISTER_COLUMNS))]
    assert headers == [
        "TT",
        "Mã hồ sơ",
        "Tên TTHC",
        "Số lượng hồ sơ (bộ)",
        "Tên cá nhân, tổ chức",
        "Địa chỉ, số điện thoại",
        "Cơ quan chủ trì giải quyết",
        "Nhận hồ sơ (ngày, tháng, năm)",
        "Hẹn trả kết quả",
        "Chuyển hồ sơ đến cơ quan giải quyết",
        "Nhận kết quả từ cơ quan giải quyết",
        "Trả kết quả cho cá nhân, tổ chức (ngày, tháng, năm; ký nhận)",
        "Ghi chú",
    ]
    widths: dict[int, float] = {}
    for col in sheet.iterfind(".//m:cols/m:col", NS):
        for index in range(int(col.attrib["min"]), int(col.attrib["max"]) + 1):
            widths[index] = float(col.attrib["width"])
    assert sorted(widths) == list(range(1, len(REGISTER_COLUMNS) + 1))
    assert widths[3] > 30 and min(widths.values()) >= 5  # the procedure name gets room
    # first data row
    assert cells["A7"] == 1
    assert cells["B7"] == CODE
    assert str(cells["C7"]).startswith("Đăng ký, cấp Giấy chứng nhận quyền sử dụng đất")
    assert cells["D7"] == 1
    assert cells["E7"] == "Nguyễn Thị Hồng Nhung"
    assert cells["F7"] == "Phường Bến Thủy, tỉnh Nghệ An; 0912 345 678"
    assert cells["G7"] == "Văn phòng Đăng ký đất đai tỉnh Nghệ An"
    # instants as Excel date-times in Hà Nội local time (received 01:30Z = 08:30 local)
    assert cells["H7"] == _serial(dt.datetime(2026, 2, 26, 8, 30))
    assert cells["I7"] == _serial(dt.datetime(2026, 3, 5, 17, 0))
    assert cells["L7"] == _serial(dt.datetime(2026, 3, 5, 15, 30))
    assert cells["M7"] == "Trả qua bưu chính"
    # later rows leave unfinished stages blank
    assert cells["A9"] == 3 and "K9" not in cells and "L9" not in cells
    assert "A10" not in cells
    # header row frozen, autofilter over the table
    assert sheet.find(".//m:pane", NS) is not None
    autofilter = sheet.find("m:autoFilter", NS)
    assert autofilter is not None and autofilter.attrib["ref"] == "A6:M9"


def test_register_xlsx_date_format_is_vietnamese() -> None:
    with zipfile.ZipFile(io.BytesIO(register_xlsx(register(rows=1)))) as archive:
        styles = archive.read("xl/styles.xml").decode()
    assert re.search(r'formatCode="dd/mm/yyyy hh:mm"', styles)


def test_empty_register_xlsx_still_has_headers() -> None:
    cells, _, _ = _read(register_xlsx(register(rows=0)))
    assert cells["A6"] == "TT" and cells["M6"] == "Ghi chú"
    assert not any(ref.endswith("7") for ref in cells)
