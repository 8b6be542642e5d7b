"""Plain data for Forms 01–07 of Circular 03/2025/TT-VPCP (docs/rules.md §13).

The forms package never reads the database: the caller (the dossiers/units routes) builds one of
these frozen dataclasses and passes it to ``render_pdf`` / ``render_html`` / ``register_xlsx``.

Instants are aware ``datetime`` values (any zone); they are printed in Asia/Ho_Chi_Minh local time.
Money amounts are whole đồng (``int``).

Printing convention for appointments: whatever instant the caller passes as an appointment is
printed as is. The working-time engine never produces 07:00 of a working day as a due instant (it
produces 17:00 of the previous working day instead), so an "07:00" appointment never appears on
paper; the forms do not re-normalise anything.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from enum import StrEnum


def _require_text(value: str, name: str) -> None:
    if not value.strip():
        raise ValueError(f"{name} must not be empty")


def _require_aware(value: dt.datetime | None, name: str) -> None:
    if value is not None and (value.tzinfo is None or value.utcoffset() is None):
        raise ValueError(f"{name} must be a timezone-aware datetime")


class CopyType(StrEnum):
    """Kind of a document in the dossier (loại giấy tờ)."""

    ORIGINAL = "original"
    COPY = "copy"
    ELECTRONIC = "electronic"

    @property
    def label(self) -> str:
        return {"original": "Bản chính", "copy": "Bản sao", "electronic": "Bản điện tử"}[self.value]


class PaymentStatus(StrEnum):
    """Whether the fees of Form 01 are paid."""

    NOT_REQUIRED = "not_required"
    UNPAID = "unpaid"
    PAID = "paid"
    EXEMPT = "exempt"

    @property
    def label(self) -> str:
        return {
            "not_required": "Không thu phí, lệ phí",
            "unpaid": "Chưa nộp",
            "paid": "Đã nộp",
            "exempt": "Được miễn",
        }[self.value]


class Outcome(StrEnum):
    """Early / on-time / late classification of a hand-over (Form 06)."""

    EARLY = "early"
    ON_TIME = "on_time"
    LATE = "late"

    @property
    def label(self) -> str:
        return {"early": "Trước hạn", "on_time": "Đúng hạn", "late": "Quá hạn"}[self.value]


@dataclass(frozen=True, slots=True)
class Letterhead:
    """Left block of the national header, the number and the place-and-date line.

    ``number`` is the full number, e.g. ``"125/TNHS"``; ``None`` prints a blank to fill by hand
    (``"Số: ……/TNHS"`` with the form's own suffix). ``issued_at`` is the instant whose local date is
    printed on the date line (the issue date of the document, not necessarily the print date).
    """

    governing_body: str  # cơ quan chủ quản, e.g. "UBND TỈNH NGHỆ AN"
    unit_name: str  # issuing unit, e.g. "TRUNG TÂM PHỤC VỤ HÀNH CHÍNH CÔNG"
    place: str  # place name of the date line, e.g. "Nghệ An"
    issued_at: dt.datetime
    number: str | None = None

    def __post_init__(self) -> None:
        _require_text(self.unit_name, "unit_name")
        _require_aware(self.issued_at, "issued_at")


@dataclass(frozen=True, slots=True)
class Applicant:
    name: str
    address: str | None = None
    phone: str | None = None
    email: str | None = None

    def __post_init__(self) -> None:
        _require_text(self.name, "applicant name")


@dataclass(frozen=True, slots=True)
class Signer:
    """A signature block. ``on_behalf_of`` prints "KT. <on_behalf_of>" above ``title``."""

    name: str
    title: str  # e.g. "GIÁM ĐỐC", "PHÓ GIÁM ĐỐC"
    on_behalf_of: str | None = None  # e.g. "GIÁM ĐỐC" for "KT. GIÁM ĐỐC / PHÓ GIÁM ĐỐC"


_KT = re.compile(r"^\s*KT\.?\s+(?P<head>.+?)\s*(?:[/\n;|–—-]\s*|\s+(?=PHÓ\b))(?P<title>.+?)\s*$")


def signer(name: str, title: str) -> Signer:
    """The signature block of a stored title, on two lines when a deputy signs for the head
    (Decree 30/2020/NĐ-CP, Phụ lục I: "KT. GIÁM ĐỐC" above "PHÓ GIÁM ĐỐC"). Accepts "KT. Giám
    đốc / Phó Giám đốc", "KT. Giám đốc Phó Giám đốc" (one line, as typed) and a bare "Phó Giám
    đốc" (the deputy signs for the head it deputises)."""
    text = " ".join(title.split()).upper()
    found = _KT.match(title.strip().upper().replace("\r", ""))
    if found:
        return Signer(name, found["title"].strip(), found["head"].strip())
    if text.startswith("PHÓ ") and len(text) > 4:
        return Signer(name, text, text[4:].strip())
    return Signer(name, text)


@dataclass(frozen=True, slots=True)
class ReceiptDocument:
    name: str
    copy_type: CopyType
    quantity: int = 1


@dataclass(frozen=True, slots=True)
class Fee:
    name: str
    amount: int  # đồng


@dataclass(frozen=True, slots=True)
class ReceiptContext:
    """Mẫu 01 — Giấy tiếp nhận hồ sơ và hẹn trả kết quả."""

    letterhead: Letterhead  # unit_name = receiving unit; number like "125/TNHS"
    dossier_code: str
    applicant: Applicant
    procedure_name: str
    documents: tuple[ReceiptDocument, ...]
    sets: int  # số lượng hồ sơ (bộ)
    time_limit_text: str  # e.g. "05 ngày làm việc"
    received_at: dt.datetime
    appointment_at: dt.datetime  # printed as given (see module docstring)
    result_delivery: str  # e.g. "Bộ phận Một cửa" / "Qua dịch vụ bưu chính công ích"
    fees: tuple[Fee, ...]
    payment_status: PaymentStatus
    register_book: str | None  # "Quyển số"
    register_seq: str | None  # "Số thứ tự"
    lookup_url: str  # encoded in the QR code and printed; may carry the secret
    lookup_secret: str  # printed as "Mã tra cứu"
    receiver_name: str  # người tiếp nhận hồ sơ

    def __post_init__(self) -> None:
        _require_text(self.dossier_code, "dossier_code")
        _require_text(self.lookup_url, "lookup_url")
        _require_aware(self.received_at, "received_at")
        _require_aware(self.appointment_at, "appointment_at")


@dataclass(frozen=True, slots=True)
class SupplementRequestContext:
    """Mẫu 02 — Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ."""

    letterhead: Letterhead  # number like "12/HDHS"
    dossier_code: str
    applicant: Applicant
    procedure_name: str
    submitted_at: dt.datetime
    items: tuple[str, ...]  # what to add or correct, one per line of the numbered list
    reason: str
    guide_name: str  # người hướng dẫn (signs the form)
    contact_name: str | None = None
    contact_phone: str | None = None
    legal_basis: str | None = None
    supplement_deadline: dt.datetime | None = None

    def __post_init__(self) -> None:
        if not self.items:
            raise ValueError("a supplement request needs at least one item")
        _require_text(self.reason, "reason")
        _require_aware(self.submitted_at, "submitted_at")
        _require_aware(self.supplement_deadline, "supplement_deadline")


@dataclass(frozen=True, slots=True)
class RefusalContext:
    """Mẫu 03 — Phiếu từ chối tiếp nhận giải quyết hồ sơ. The reason is mandatory."""

    letterhead: Letterhead  # number like "3/TCHS"
    applicant: Applicant
    procedure_name: str
    reason: str
    receiver_name: str  # người tiếp nhận hồ sơ (signs the form)
    dossier_code: str | None = None
    submitted_at: dt.datetime | None = None
    legal_basis: str | None = None

    def __post_init__(self) -> None:
        _require_text(self.reason, "reason")
        _require_aware(self.submitted_at, "submitted_at")


@dataclass(frozen=True, slots=True)
class ApologyContext:
    """Mẫu 04 — Văn bản xin lỗi và đề nghị gia hạn thời gian giải quyết.

    The letterhead is the late agency's (it issues and signs the letter), number like "7/PXL".
    """

    letterhead: Letterhead
    applicant: Applicant
    dossier_code: str
    procedure_name: str
    received_at: dt.datetime
    original_appointment_at: dt.datetime
    reason: str
    new_appointment_at: dt.datetime
    signer: Signer
    recipients: tuple[str, ...] = ("Như trên", "Bộ phận Một cửa", "Lưu: VT")

    def __post_init__(self) -> None:
        _require_text(self.reason, "reason")
        _require_aware(self.received_at, "received_at")
        _require_aware(self.original_appointment_at, "original_appointment_at")
        _require_aware(self.new_appointment_at, "new_appointment_at")


@dataclass(frozen=True, slots=True)
class StopNoticeContext:
    """Mẫu 05 — Thông báo dừng giải quyết hồ sơ."""

    letterhead: Letterhead
    applicant: Applicant
    dossier_code: str
    procedure_name: str
    received_at: dt.datetime
    ground: str  # căn cứ / lý do dừng (applicant's request or legal ground)
    stage_reached: str  # how far processing went
    fees_handling: str  # what happens to fees already paid
    signer: Signer
    recipients: tuple[str, ...] = ("Như trên", "Lưu: VT")

    def __post_init__(self) -> None:
        _require_text(self.ground, "ground")
        _require_aware(self.received_at, "received_at")


@dataclass(frozen=True, slots=True)
class ProcessControlRow:
    """One hand-over of Form 06. ``outcome`` None leaves the result cell blank."""

    handing_unit: str
    receiving_unit: str
    handed_at: dt.datetime
    handing_person: str | None = None
    receiving_person: str | None = None
    outcome: Outcome | None = None
    note: str | None = None

    def __post_init__(self) -> None:
        _require_aware(self.handed_at, "handed_at")


@dataclass(frozen=True, slots=True)
class ProcessControlContext:
    """Mẫu 06 — Phiếu kiểm soát quá trình giải quyết hồ sơ."""

    governing_body: str
    unit_name: str  # the receiving unit (Bộ phận Một cửa)
    dossier_code: str
    applicant: Applicant
    procedure_name: str
    received_at: dt.datetime
    appointment_at: dt.datetime
    rows: tuple[ProcessControlRow, ...]
    printed_at: dt.datetime

    def __post_init__(self) -> None:
        _require_aware(self.received_at, "received_at")
        _require_aware(self.appointment_at, "appointment_at")
        _require_aware(self.printed_at, "printed_at")


@dataclass(frozen=True, slots=True)
class RegisterRow:
    """One line of the register (Form 07). The TT column is the row's position."""

    dossier_code: str
    procedure_name: str
    sets: int
    applicant_name: str
    competent_unit: str
    received_at: dt.datetime
    appointment_at: dt.datetime
    applicant_address: str | None = None
    applicant_phone: str | None = None
    transferred_at: dt.datetime | None = None  # chuyển hồ sơ đến cơ quan giải quyết
    result_received_at: dt.datetime | None = None  # nhận kết quả từ cơ quan giải quyết
    returned_at: dt.datetime | None = None  # trả kết quả cho cá nhân, tổ chức
    note: str | None = None

    def __post_init__(self) -> None:
        for name in (
            "received_at",
            "appointment_at",
            "transferred_at",
            "result_received_at",
            "returned_at",
        ):
            _require_aware(getattr(self, name), name)


@dataclass(frozen=True, slots=True)
class RegisterContext:
    """Mẫu 07 — Sổ theo dõi hồ sơ of one unit for a period (local dates, both inclusive)."""

    governing_body: str
    unit_name: str
    period_from: dt.date
    period_to: dt.date
    printed_at: dt.datetime
    rows: tuple[RegisterRow, ...] = field(default=())

    def __post_init__(self) -> None:
        if self.period_from > self.period_to:
            raise ValueError("period_from is after period_to")
        _require_aware(self.printed_at, "printed_at")


FormContext = (
    ReceiptContext
    | SupplementRequestContext
    | RefusalContext
    | ApologyContext
    | StopNoticeContext
    | ProcessControlContext
    | RegisterContext
)
