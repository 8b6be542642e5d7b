"""Vietnamese dates, times and money as printed on the forms; validation of the contexts."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from tests.forms.samples import ICT, UTC, letterhead, receipt, refusal, register, supplement

from onestop.forms import (
    Applicant,
    CopyType,
    Letterhead,
    Outcome,
    PaymentStatus,
    RefusalContext,
    RegisterContext,
    SupplementRequestContext,
)
from onestop.forms.formatting import (
    date_line,
    money,
    short_date,
    short_datetime,
    vn_date,
    vn_datetime,
    vn_time,
)


@pytest.mark.parametrize(
    ("day", "printed"),
    [
        (dt.date(2026, 2, 26), "ngày 26 tháng 02 năm 2026"),
        (dt.date(2026, 1, 5), "ngày 05 tháng 01 năm 2026"),
        (dt.date(2026, 3, 5), "ngày 05 tháng 3 năm 2026"),  # Decree 30: only months 1, 2 padded
        (dt.date(2026, 12, 31), "ngày 31 tháng 12 năm 2026"),
    ],
)
def test_vn_date_follows_decree_30_padding(day: dt.date, printed: str) -> None:
    assert vn_date(day) == printed


def test_instants_print_in_ho_chi_minh_time() -> None:
    instant = dt.datetime(2026, 2, 25, 17, 30, tzinfo=UTC)  # 00:30 on the 26th in Hà Nội
    assert vn_datetime(instant) == "00 giờ 30 phút, ngày 26 tháng 02 năm 2026"
    assert vn_time(dt.datetime(2026, 3, 5, 17, 0, tzinfo=ICT)) == "17 giờ 00 phút"
    assert short_datetime(instant) == "00:30 26/02/2026"
    assert short_date(instant) == "26/02/2026"


def test_naive_instants_are_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        vn_datetime(dt.datetime(2026, 2, 26, 8, 30))


def test_date_line() -> None:
    assert date_line("Nghệ An", dt.date(2026, 2, 26)) == "Nghệ An, ngày 26 tháng 02 năm 2026"
    assert date_line("", dt.date(2026, 2, 26)) == "Ngày 26 tháng 02 năm 2026"


@pytest.mark.parametrize(
    ("amount", "printed"),
    [
        (50_000, "50.000 đồng"),
        (0, "0 đồng"),
        (1_234_567, "1.234.567 đồng"),
        (500, "500 đồng"),
        (-20_000, "-20.000 đồng"),
    ],
)
def test_money(amount: int, printed: str) -> None:
    assert money(amount) == printed


def test_labels_are_vietnamese() -> None:
    assert [c.label for c in CopyType] == ["Bản chính", "Bản sao", "Bản điện tử"]
    assert [o.label for o in Outcome] == ["Trước hạn", "Đúng hạn", "Quá hạn"]
    assert PaymentStatus.PAID.label == "Đã nộp"


def test_refusal_reason_is_mandatory() -> None:
    with pytest.raises(ValueError, match="reason"):
        dataclasses.replace(refusal(), reason="  \n ")


def test_supplement_needs_items_and_reason() -> None:
    with pytest.raises(ValueError, match="item"):
        dataclasses.replace(supplement(), items=())
    with pytest.raises(ValueError, match="reason"):
        dataclasses.replace(supplement(), reason="")


def test_contexts_refuse_naive_instants() -> None:
    naive = dt.datetime(2026, 2, 26, 8, 30)
    with pytest.raises(ValueError, match="appointment_at"):
        receipt(appointment_at=naive)
    with pytest.raises(ValueError, match="issued_at"):
        Letterhead("UBND tỉnh Nghệ An", "Trung tâm", "Nghệ An", naive)
    with pytest.raises(ValueError, match="submitted_at"):
        RefusalContext(
            letterhead=letterhead("1/TCHS"),
            applicant=Applicant("Nguyễn Văn Ân"),
            procedure_name="Chứng thực bản sao",
            reason="Không thuộc thẩm quyền.",
            receiver_name="Trần Văn Đức",
            submitted_at=naive,
        )


def test_register_period_must_be_ordered() -> None:
    with pytest.raises(ValueError, match="period_from"):
        RegisterContext(
            governing_body="UBND tỉnh Nghệ An",
            unit_name="Trung tâm",
            period_from=dt.date(2026, 3, 2),
            period_to=dt.date(2026, 3, 1),
            printed_at=dt.datetime(2026, 3, 2, tzinfo=ICT),
        )
    assert register(rows=0).rows == ()


def test_contexts_are_frozen() -> None:
    context = supplement()
    assert isinstance(context, SupplementRequestContext)
    with pytest.raises(dataclasses.FrozenInstanceError):
        context.reason = "khác"  # type: ignore[misc]
    with pytest.raises(ValueError, match="applicant name"):
        Applicant(" ")
