"""Realistic Vietnamese contexts for Forms 01–07 and helpers that read PDFs back with poppler."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from pathlib import Path

import pytest

from onestop.forms import (
    ApologyContext,
    Applicant,
    CopyType,
    Fee,
    FormContext,
    Letterhead,
    Outcome,
    PaymentStatus,
    ProcessControlContext,
    ProcessControlRow,
    ReceiptContext,
    ReceiptDocument,
    RefusalContext,
    RegisterContext,
    RegisterRow,
    Signer,
    StopNoticeContext,
    SupplementRequestContext,
)

ICT = dt.timezone(dt.timedelta(hours=7))
UTC = dt.UTC

CODE = "000.00.01.H99-260226-0001"
PROCEDURE = (
    "Đăng ký, cấp Giấy chứng nhận quyền sử dụng đất, quyền sở hữu nhà ở và tài sản khác "
    "gắn liền với đất lần đầu"
)
LOOKUP_URL = "https://motcua.nghean.gov.vn/tra-cuu/000.00.01.H99-260226-0001?ma=K7Q2-9XMD"
APPLICANT = Applicant(
    name="Nguyễn Thị Hồng Nhung",
    address="Số 18 đường Lê Duẩn, khối Yên Giang, Phường Bến Thủy, tỉnh Nghệ An",
    phone="0912 345 678",
    email="nhung.nth@example.vn",
)
CENTRE = "Trung tâm Phục vụ hành chính công tỉnh Nghệ An"
LAND_OFFICE = "Văn phòng Đăng ký đất đai tỉnh Nghệ An"
# 08:30 on Thu 26/02/2026 local, given in UTC to prove the conversion.
RECEIVED = dt.datetime(2026, 2, 26, 1, 30, tzinfo=UTC)
APPOINTMENT = dt.datetime(2026, 3, 5, 17, 0, tzinfo=ICT)
NEW_APPOINTMENT = dt.datetime(2026, 3, 12, 16, 30, tzinfo=ICT)


def letterhead(
    number: str | None, *, unit: str = CENTRE, day: dt.date = dt.date(2026, 2, 26)
) -> Letterhead:
    return Letterhead(
        governing_body="UBND tỉnh Nghệ An",
        unit_name=unit,
        place="Nghệ An",
        issued_at=dt.datetime.combine(day, dt.time(9, 15), tzinfo=ICT),
        number=number,
    )


def receipt(**changes: object) -> ReceiptContext:
    values: dict[str, object] = {
        "letterhead": letterhead("125/TNHS"),
        "dossier_code": CODE,
        "applicant": APPLICANT,
        "procedure_name": PROCEDURE,
        "documents": (
            ReceiptDocument("Đơn đăng ký đất đai (Mẫu số 04/ĐK)", CopyType.ORIGINAL, 1),
            ReceiptDocument("Giấy chứng nhận quyền sử dụng đất", CopyType.COPY, 1),
            ReceiptDocument("Căn cước công dân của người nộp hồ sơ", CopyType.ELECTRONIC, 1),
        ),
        "sets": 1,
        "time_limit_text": "05 ngày làm việc",
        "received_at": RECEIVED,
        "appointment_at": APPOINTMENT,
        "result_delivery": "Bộ phận Một cửa — Trung tâm Phục vụ hành chính công tỉnh Nghệ An",
        "fees": (Fee("Lệ phí cấp Giấy chứng nhận", 50_000), Fee("Phí thẩm định hồ sơ", 150_000)),
        "payment_status": PaymentStatus.PAID,
        "register_book": "03",
        "register_seq": "0125",
        "lookup_url": LOOKUP_URL,
        "lookup_secret": "K7Q2-9XMD",
        "receiver_name": "Trần Văn Đức",
    }
    values.update(changes)
    return ReceiptContext(**values)  # type: ignore[arg-type]


def supplement() -> SupplementRequestContext:
    return SupplementRequestContext(
        letterhead=letterhead("12/HDHS"),
        dossier_code=CODE,
        applicant=APPLICANT,
        procedure_name=PROCEDURE,
        submitted_at=RECEIVED,
        items=(
            "Bổ sung bản sao Giấy chứng nhận quyền sử dụng đất có chứng thực.",
            "Sơ đồ thửa đất ghi sai diện tích; đề nghị lập lại theo số liệu đo đạc.",
        ),
        reason="Hồ sơ chưa đầy đủ thành phần theo quy định của thủ tục hành chính.",
        guide_name="Trần Văn Đức",
        contact_name="Lê Thị Thu Hương",
        contact_phone="0238 3844 555",
        legal_basis="Nghị định số 101/2024/NĐ-CP của Chính phủ",
        supplement_deadline=dt.datetime(2026, 3, 6, 17, 0, tzinfo=ICT),
    )


def refusal() -> RefusalContext:
    return RefusalContext(
        letterhead=letterhead("3/TCHS"),
        applicant=APPLICANT,
        procedure_name=PROCEDURE,
        reason="Thửa đất đang có tranh chấp, chưa đủ điều kiện cấp Giấy chứng nhận.",
        receiver_name="Trần Văn Đức",
        dossier_code=CODE,
        submitted_at=RECEIVED,
        legal_basis="khoản 1 Điều 151 Luật Đất đai năm 2024",
    )


def apology() -> ApologyContext:
    return ApologyContext(
        letterhead=letterhead("07/PXL", unit=LAND_OFFICE, day=dt.date(2026, 3, 4)),
        applicant=APPLICANT,
        dossier_code=CODE,
        procedure_name=PROCEDURE,
        received_at=RECEIVED,
        original_appointment_at=APPOINTMENT,
        reason="Phải xác minh nguồn gốc sử dụng đất với Ủy ban nhân dân Phường Bến Thủy.",
        new_appointment_at=NEW_APPOINTMENT,
        signer=Signer(name="Phạm Quốc Hưng", title="Phó Giám đốc", on_behalf_of="Giám đốc"),
        recipients=("Như trên", "Trung tâm Phục vụ hành chính công tỉnh", "Lưu: VT, ĐKĐĐ"),
    )


def stop_notice() -> StopNoticeContext:
    return StopNoticeContext(
        letterhead=letterhead("02/TB", unit=LAND_OFFICE, day=dt.date(2026, 3, 3)),
        applicant=APPLICANT,
        dossier_code=CODE,
        procedure_name=PROCEDURE,
        received_at=RECEIVED,
        ground="Theo đề nghị dừng thực hiện thủ tục hành chính của người nộp hồ sơ ngày 02/3/2026.",
        stage_reached="Đang thẩm định hồ sơ tại Văn phòng Đăng ký đất đai.",
        fees_handling="Hoàn trả phí thẩm định hồ sơ 150.000 đồng tại Bộ phận Một cửa.",
        signer=Signer(name="Hoàng Minh Tuấn", title="Giám đốc"),
    )


def process_control() -> ProcessControlContext:
    def at(day: int, hour: int, minute: int = 0) -> dt.datetime:
        return dt.datetime(2026, 2 if day > 20 else 3, day, hour, minute, tzinfo=ICT)

    return ProcessControlContext(
        governing_body="UBND tỉnh Nghệ An",
        unit_name=CENTRE,
        dossier_code=CODE,
        applicant=APPLICANT,
        procedure_name=PROCEDURE,
        received_at=RECEIVED,
        appointment_at=APPOINTMENT,
        rows=(
            ProcessControlRow(
                "Bộ phận Một cửa",
                LAND_OFFICE,
                at(26, 10, 15),
                "Trần Văn Đức",
                "Võ Thị Lan",
                Outcome.EARLY,
            ),
            ProcessControlRow(
                LAND_OFFICE,
                "Sở Nông nghiệp và Môi trường",
                at(3, 16, 40),
                "Võ Thị Lan",
                "Đặng Văn Quý",
                Outcome.LATE,
                "Chờ xác minh nguồn gốc đất",
            ),
            ProcessControlRow(
                "Sở Nông nghiệp và Môi trường",
                "Bộ phận Một cửa",
                at(5, 14, 5),
                "Đặng Văn Quý",
                "Trần Văn Đức",
                Outcome.ON_TIME,
            ),
        ),
        printed_at=dt.datetime(2026, 3, 5, 15, 0, tzinfo=ICT),
    )


def register_row(n: int) -> RegisterRow:
    return RegisterRow(
        dossier_code=f"000.00.01.H99-260226-{n:04d}",
        procedure_name=PROCEDURE,
        sets=1,
        applicant_name="Nguyễn Thị Hồng Nhung" if n == 1 else f"Lê Văn Ước {n}",
        competent_unit=LAND_OFFICE,
        received_at=RECEIVED,
        appointment_at=APPOINTMENT,
        applicant_address="Phường Bến Thủy, tỉnh Nghệ An",
        applicant_phone="0912 345 678",
        transferred_at=dt.datetime(2026, 2, 26, 10, 15, tzinfo=ICT),
        result_received_at=dt.datetime(2026, 3, 5, 14, 5, tzinfo=ICT) if n == 1 else None,
        returned_at=dt.datetime(2026, 3, 5, 15, 30, tzinfo=ICT) if n == 1 else None,
        note="Trả qua bưu chính" if n == 1 else None,
    )


def register(rows: int = 3) -> RegisterContext:
    return RegisterContext(
        governing_body="UBND tỉnh Nghệ An",
        unit_name=CENTRE,
        period_from=dt.date(2026, 2, 1),
        period_to=dt.date(2026, 3, 31),
        printed_at=dt.datetime(2026, 4, 1, 8, 0, tzinfo=ICT),
        rows=tuple(register_row(n) for n in range(1, rows + 1)),
    )


SAMPLES: dict[str, FormContext] = {
    "01": receipt(),
    "02": supplement(),
    "03": refusal(),
    "04": apology(),
    "05": stop_notice(),
    "06": process_control(),
    "07": register(),
}


def poppler(*args: str) -> str:
    tool = shutil.which(args[0])
    if tool is None:
        pytest.fail(f"{args[0]} (poppler-utils) is not installed: run `make system-deps`")
    done = subprocess.run([tool, *args[1:]], capture_output=True, check=True, text=True)
    return done.stdout


def pdf_text(path: Path, page: int | None = None) -> str:
    """The PDF's text in content-stream order (``-raw``: WeasyPrint writes boxes in document
    order, so table cells stay in reading order), whitespace runs folded to one space."""
    pages = ["-f", str(page), "-l", str(page)] if page else []
    out = poppler("pdftotext", "-raw", "-enc", "UTF-8", *pages, str(path), "-")
    return " ".join(out.split())
