"""Quantities as printed: time limits of 1, 8, 10, 15, 20, 30 and fractional working days never in
scientific notation ("1E+1"), with the Vietnamese decimal comma; read back from Form 01's PDF with
pdftotext. The signer block of a deputy prints on two lines (KT. GIÁM ĐỐC / PHÓ GIÁM ĐỐC)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

import pytest
from tests.forms.samples import apology, pdf_text, poppler, receipt, register

from onestop.core.numbers import number
from onestop.forms import render_pdf
from onestop.forms.contexts import Signer, signer
from onestop.forms.formatting import limit_text
from onestop.forms.service import _limit_text
from onestop.web import formatting as web_formatting

LIMITS = [
    (Decimal("1"), "01 ngày làm việc", "1 ngày làm việc"),
    (Decimal("8"), "08 ngày làm việc", "8 ngày làm việc"),
    (Decimal("10"), "10 ngày làm việc", "10 ngày làm việc"),
    (Decimal("15"), "15 ngày làm việc", "15 ngày làm việc"),
    (Decimal("20"), "20 ngày làm việc", "20 ngày làm việc"),
    (Decimal("30"), "30 ngày làm việc", "30 ngày làm việc"),
    (Decimal("0.5"), "0,5 ngày làm việc", "0,5 ngày làm việc"),
    (Decimal("1.5"), "1,5 ngày làm việc", "1,5 ngày làm việc"),
]


@pytest.mark.parametrize(
    ("value", "printed"),
    [
        (1, "1"),
        (10, "10"),
        (Decimal("10").normalize(), "10"),  # 1E+1
        (Decimal("100.00"), "100"),
        (Decimal("0.50"), "0,5"),
        (1.5, "1,5"),
        (8.0, "8"),
        (2.25, "2,25"),
        (12345, "12.345"),
        (Decimal("1234567.5"), "1.234.567,5"),
        (-3.5, "-3,5"),
        (-0.0, "0"),
        ("20.00", "20"),
    ],
)
def test_number_is_positional_with_the_vietnamese_comma(value: object, printed: str) -> None:
    assert number(value) == printed  # type: ignore[arg-type]


def test_number_padding_and_fixed_places() -> None:
    assert number(5, pad=2) == "05"
    assert number(Decimal("1E+1"), pad=2) == "10"
    assert number(Decimal("0.5"), pad=2) == "0,5"  # a fraction is never padded
    assert number(Decimal("99.705"), decimals=2) == "99,71"
    assert number(8, decimals=1) == "8,0"
    with pytest.raises(ValueError):
        number(float("nan"))


@pytest.mark.parametrize(("amount", "form", "page"), LIMITS)
def test_limit_text_on_forms_and_pages(amount: Decimal, form: str, page: str) -> None:
    stored = amount.quantize(Decimal("0.01"))  # Numeric(8, 2) as the database returns it
    for value in (amount, stored, amount.normalize()):
        version = SimpleNamespace(limit_unit="working_days", limit_amount=value)
        assert _limit_text(version) == form
        assert limit_text(value, "working_days") == page
        assert web_formatting.limit_text({"unit": "working_days", "amount": float(value)}) == page
        assert web_formatting.limit_text({"unit": "working_days", "amount": str(value)}) == page
    assert "E" not in form and "." not in form


def test_limit_units_and_same_day() -> None:
    assert limit_text(Decimal("8"), "working_hours") == "8 giờ làm việc"
    assert limit_text(Decimal("30"), "calendar_days") == "30 ngày"
    assert web_formatting.limit_text({"unit": "same_day", "amount": 0}) == "Trong ngày làm việc"


@pytest.mark.parametrize(("amount", "form", "page"), LIMITS)
def test_form_01_pdf_prints_the_limit(
    amount: Decimal, form: str, page: str, tmp_path: Path
) -> None:
    version = SimpleNamespace(
        limit_unit="working_days", limit_amount=amount.quantize(Decimal("0.01"))
    )
    path = tmp_path / "form01.pdf"
    path.write_bytes(render_pdf("01", receipt(time_limit_text=_limit_text(version), sets=10)))
    text = pdf_text(path)
    assert f"3. Thời gian giải quyết hồ sơ theo quy định: {form}" in text
    assert "2. Số lượng hồ sơ: 10 (bộ)" in text
    assert "E+" not in text


def test_register_prints_sets_and_short_dates(tmp_path: Path) -> None:
    path = tmp_path / "form07.pdf"
    path.write_bytes(render_pdf("07", register(rows=2)))
    text = pdf_text(path)
    assert "E+" not in text and "26/02/2026" in text


@pytest.mark.parametrize(
    ("title", "head", "line"),
    [
        ("KT. Giám đốc / Phó Giám đốc", "GIÁM ĐỐC", "PHÓ GIÁM ĐỐC"),
        ("KT. Giám đốc Phó Giám đốc", "GIÁM ĐỐC", "PHÓ GIÁM ĐỐC"),
        ("KT. Chủ tịch\nPhó Chủ tịch", "CHỦ TỊCH", "PHÓ CHỦ TỊCH"),
        ("Phó Giám đốc", "GIÁM ĐỐC", "PHÓ GIÁM ĐỐC"),
        ("Giám đốc", None, "GIÁM ĐỐC"),
        ("Thủ trưởng cơ quan", None, "THỦ TRƯỞNG CƠ QUAN"),
    ],
)
def test_signer_title_splits_on_behalf(title: str, head: str | None, line: str) -> None:
    assert signer("Phạm Quốc Hưng", title) == Signer("Phạm Quốc Hưng", line, head)


def test_form_04_signer_block_on_two_lines(tmp_path: Path) -> None:
    import dataclasses

    context = dataclasses.replace(
        apology(), signer=signer("Phạm Quốc Hưng", "KT. Giám đốc Phó Giám đốc")
    )
    path = tmp_path / "form04.pdf"
    path.write_bytes(render_pdf("04", context))
    lines = [
        " ".join(s.split()) for s in poppler("pdftotext", "-layout", str(path), "-").splitlines()
    ]
    kt = next(i for i, s in enumerate(lines) if s.endswith("KT. GIÁM ĐỐC"))
    assert lines[kt + 1].endswith("PHÓ GIÁM ĐỐC") and "KT." not in lines[kt + 1]
    assert "12 tháng 3 năm 2026" in pdf_text(path)
