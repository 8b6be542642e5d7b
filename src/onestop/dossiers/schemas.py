"""Request and response models of the dossier API (action bodies live in ``actions.schemas``).

The applicant's particulars are checked here, so that the counter's web form, the portal and the
import all get the same rules (docs/rules.md §15), each refusal a 422 naming the field:

- ``id_number`` of a citizen: the 12-digit personal identification number of the CCCD / căn cước
  (Law on Identification 2023); the old 9-digit CMND is still accepted, since CMND cards valid
  until their printed expiry may still be shown. Spaces and dots typed between digit groups are
  dropped. An organisation's number (tax code, registration number) is not checked.
- ``phone``: a Vietnamese number — mobile ``0[35789]`` + 8 digits, landline ``02`` + 9 digits,
  also written ``+84…`` or ``84…``; spaces, dots, dashes and brackets allowed between digits.
  It is **kept as typed** (trimmed): it is printed on the receipt and the letters (Forms 01, 04,
  05) and read back to the applicant, who recognises the way they wrote it; nothing in the
  service dials or matches phones, and ``phone_e164`` gives the ``+84`` form where one is needed.
- ``email``: the syntax of an address (one ``@``, a dotted domain, no spaces).
- ``submitted_at``: not in the future — checked by the intake against its own clock
  (``intake.prepare``: ``submitted-in-future``, the field in ``errors[].loc``).
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
)
from pydantic_core import PydanticCustomError

from onestop.catalog.schemas import ProcedureRef, UnitRef
from onestop.core.clock import LOCAL_TZ
from onestop.core.schemas import InputModel, InstantIn
from onestop.dossiers.states import Channel, Status


def _local(value: dt.datetime) -> dt.datetime:
    return value.astimezone(LOCAL_TZ) if value.tzinfo is not None else value


#: An instant shown in local time (+07:00), as the API speaks (docs/rules.md §2.7).
Instant = Annotated[dt.datetime, AfterValidator(_local)]

Text255 = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=255)]
Code = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60)]
ReturnMethod = Literal["counter", "online", "postal"]


class Strict(InputModel):
    """A request body: unknown fields and NUL characters are refused."""

    model_config = ConfigDict(extra="forbid")


_ID_SEPARATORS = re.compile(r"[\s.]+")
_PHONE_SEPARATORS = re.compile(r"[\s.\-()]+")
_MOBILE = re.compile(r"^0[35789]\d{8}$")
_LANDLINE = re.compile(r"^02\d{9}$")
_EMAIL = re.compile(
    r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$"
)


def id_number_digits(value: str) -> str:
    """A citizen's ID number as digits (``001 203 004 567`` → ``001203004567``), or a 422."""
    digits = _ID_SEPARATORS.sub("", value)
    if not (digits.isascii() and digits.isdigit() and len(digits) in (12, 9)):
        raise PydanticCustomError(
            "id_number_format",
            "Số định danh cá nhân (CCCD) gồm 12 chữ số; CMND cũ gồm 9 chữ số"
            " (an ID number is the 12 digits of the CCCD, or the 9 digits of an old CMND)",
        )
    return digits


def phone_national(value: str) -> str:
    """``+84 912 345 678`` → ``0912345678``; a 422 unless a Vietnamese mobile or landline."""
    digits = _PHONE_SEPARATORS.sub("", value)
    if digits.startswith("+84"):
        digits = "0" + digits[3:]
    elif digits.startswith("0084"):
        digits = "0" + digits[4:]
    elif digits.startswith("84") and len(digits) in (11, 12):
        digits = "0" + digits[2:]
    if not (digits.isascii() and (_MOBILE.match(digits) or _LANDLINE.match(digits))):
        raise PydanticCustomError(
            "phone_format",
            "Số điện thoại Việt Nam gồm 10 chữ số (di động, ví dụ 0912 345 678) hoặc 11 chữ số"
            " (cố định, ví dụ 0238 3844 555); có thể viết +84"
            " (a Vietnamese phone number: 10-digit mobile or 11-digit landline, or +84 form)",
        )
    return digits


def phone_e164(value: str) -> str:
    """The ``+84…`` form of a valid phone as typed (``0912 345 678`` → ``+84912345678``)."""
    return "+84" + phone_national(value)[1:]


def _phone(value: str | None) -> str | None:
    if value:
        phone_national(value)  # checked; kept as typed
    return value or None


def _email(value: str | None) -> str | None:
    if value and (not _EMAIL.match(value) or ".." in value.partition("@")[2]):
        raise PydanticCustomError(
            "email_format",
            "Địa chỉ thư điện tử không đúng dạng, ví dụ ten@example.vn"
            " (not an e-mail address, e.g. name@example.vn)",
        )
    return value or None


class ApplicantIn(Strict):
    name: Text255
    kind: Literal["citizen", "organisation"] = "citizen"
    id_number: Annotated[str, StringConstraints(strip_whitespace=True, max_length=40)] | None = None
    phone: (
        Annotated[
            str, StringConstraints(strip_whitespace=True, max_length=40), AfterValidator(_phone)
        ]
        | None
    ) = None
    email: (
        Annotated[
            str, StringConstraints(strip_whitespace=True, max_length=255), AfterValidator(_email)
        ]
        | None
    ) = None
    address: Annotated[str, StringConstraints(strip_whitespace=True, max_length=400)] | None = None

    @field_validator("id_number")
    @classmethod
    def _citizen_id(cls, value: str | None, info: ValidationInfo) -> str | None:
        """A citizen's number is a CCCD (12) or CMND (9) digits, stored as its digits."""
        if not value:
            return None
        return id_number_digits(value) if info.data.get("kind", "citizen") == "citizen" else value


class DossierDocumentIn(Strict):
    code: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]
    name: Text255 | None = None
    copy_type: Literal["original", "copy", "electronic"] | None = None
    quantity: int = Field(default=1, ge=1, le=100)


class DossierCreate(Strict):
    """Intake. Counter intake by a clerk is received at once (status 2); online or postal
    dossiers wait in status 1 for acceptance."""

    procedure: Code = Field(description="National procedure code, e.g. 2.000908")
    channel: Channel | None = Field(
        default=None, description="Default: counter for users, online for API clients"
    )
    receiving_unit: Code | None = Field(
        default=None, description="Default: the clerk's unit (API clients: the competent unit)"
    )
    competent_unit: Code | None = Field(
        default=None, description="Default: the receiving unit if competent, else the first one"
    )
    returning_unit: Code | None = Field(default=None, description="Default: the receiving unit")
    applicant: ApplicantIn
    documents: list[DossierDocumentIn] = Field(default_factory=list, max_length=100)
    quantity: int = Field(default=1, ge=1, le=100, description="Số lượng hồ sơ (bộ)")
    return_method: ReturnMethod = "counter"
    submitted_at: InstantIn | None = Field(
        default=None,
        description="When the applicant submitted (online/postal), not in the future; default now",
    )
    code: Code | None = Field(default=None, description="Code issued by the portal (kept)")
    portal_ref: Code | None = Field(default=None, description="The portal's own reference")
    note: Annotated[str, StringConstraints(max_length=2000)] | None = None


class TimeLimitRead(BaseModel):
    amount: int | float
    unit: str
    text: str


class DossierDocumentRead(BaseModel):
    code: str
    name: str
    copy_type: str | None = None
    quantity: int = 1
    required: bool = False


class DossierFeeRead(BaseModel):
    code: str | None = None
    name: str
    amount: int


class ApplicantRead(BaseModel):
    name: str
    kind: str
    id_number: str | None = None
    phone: str | None = None
    email: str | None = None
    address: str | None = None


#: The national status code and its internal state name, as their enums (the OpenAPI document
#: lists the values).
StatusCode = Annotated[Status, Field(description="National status code 1–10 (TrangThaiHoSo)")]
StateName = Annotated[
    str,
    Field(
        description="The internal state, the status code's name",
        json_schema_extra={"enum": [s.state for s in Status]},
    ),
]


class IntakeReceipt(BaseModel):
    """Everything Form 01 (Giấy tiếp nhận hồ sơ và hẹn trả kết quả) needs."""

    code: str
    status: StatusCode
    state: StateName
    status_label: str
    channel: Channel
    procedure: ProcedureRef
    procedure_version_id: int
    applicant: ApplicantRead
    receiving_unit: UnitRef
    competent_unit: UnitRef
    returning_unit: UnitRef
    submitted_at: Instant
    received_at: Instant | None
    accept_due_at: Instant | None
    due_at: Instant | None = Field(description="Thời gian trả kết quả (appointment)")
    time_limit: TimeLimitRead
    documents: list[DossierDocumentRead]
    quantity: int
    fees: list[DossierFeeRead]
    fee_total: int
    return_method: str
    calendar_fingerprint: str | None
    lookup_secret: str = Field(description="Printed on the receipt; shown only in this response")
    lookup_path: str
    portal_ref: str | None = None
    received_by: str


class DossierStepRead(BaseModel):
    seq: int
    name: str
    kind: str
    unit: UnitRef
    from_unit: UnitRef | None
    handler: str | None
    handed_by: str | None
    started_at: Instant
    budget_hours: float | None
    due_at: Instant | None
    ended_at: Instant | None
    outcome: str | None


class DossierPauseRead(BaseModel):
    kind: str
    started_at: Instant
    ended_at: Instant | None


class DossierSummary(BaseModel):
    code: str
    status: StatusCode
    state: StateName
    status_label: str
    channel: Channel
    procedure: ProcedureRef
    applicant_name: str
    receiving_unit: UnitRef
    competent_unit: UnitRef
    current_unit: UnitRef | None
    submitted_at: Instant
    received_at: Instant | None
    due_at: Instant | None
    finished_at: Instant | None
    returned_at: Instant | None
    overdue: bool
    late_to_accept: bool


class DossierRead(DossierSummary):
    portal_ref: str | None
    procedure_version_id: int
    time_limit: TimeLimitRead
    returning_unit: UnitRef
    accept_due_at: Instant | None
    due_at_original: Instant | None
    appointment_at: Instant | None
    ended_at: Instant | None
    supplement_count: int
    reception_supplement_count: int
    awaiting_supplement: bool
    late_flag: bool
    timing: str | None
    result: str | None
    end_reason: str | None
    return_method: str
    quantity: int
    documents: list[DossierDocumentRead]
    fees: list[DossierFeeRead]
    fee_total: int
    handler: str | None
    current_step: DossierStepRead | None
    steps: list[DossierStepRead]
    pauses: list[DossierPauseRead]
    allowed_actions: list[str]
    calendar_fingerprint: str | None
    due_explanation: dict[str, Any] | None = Field(
        description="Day-by-day trace of the due instant (pauses included)"
    )
    applicant: ApplicantRead | None = Field(
        default=None, description="Personal data: only with personal-data:view (audited)"
    )
    version: int


class DossierEventRead(BaseModel):
    seq: int
    type: str
    at: Instant
    recorded_at: Instant
    actor: str
    unit: str | None
    from_status: int | None
    to_status: int
    payload: dict[str, Any]


class PublicProgress(BaseModel):
    """One step of the dossier's progress as the citizen reads it (no names of officers)."""

    kind: Literal[
        "submitted",
        "received",
        "refused",
        "processing",
        "supplement",
        "supplement_received",
        "payment",
        "payment_received",
        "reappointed",
        "result_ready",
        "returned",
        "withdrawn",
        "stopped",
    ]
    at: Instant
    unit: str | None = Field(default=None, description="Where it happened (processing: where)")
    new_appointment_at: Instant | None = Field(
        default=None, description="reappointed: the new appointment (with the apology letter)"
    )


class PublicAgency(BaseModel):
    """The agency the citizen deals with (the receiving unit): name, address, hotline."""

    name: str
    address: str | None = None
    hotline: str | None = None


class PublicDossier(BaseModel):
    """What a citizen sees with the receipt's secret: no personal data beyond a masked name."""

    code: str
    status: int
    status_label: str
    procedure: str
    applicant_name: str
    received_at: Instant | None
    appointment_at: Instant | None
    finished_at: Instant | None
    returned_at: Instant | None
    return_method: str
    collect_at: UnitRef
    agency: PublicAgency | None = None
    progress: list[PublicProgress] = Field(default_factory=list)


class ImportFieldError(BaseModel):
    """A field at fault in an import line: its place in the line (``[]``: the line as a whole),
    as in a 422's ``errors[]``."""

    loc: list[str | int]
    msg: str
    type: str


class ImportLineResult(BaseModel):
    line: int
    status: Literal["accepted", "rejected"]
    code: str | None = None
    reason: str | None = None
    problem: str | None = None
    errors: list[ImportFieldError] = Field(
        default_factory=list, description="A rejected line: the fields at fault"
    )


class ImportResult(BaseModel):
    accepted: int
    rejected: int
    lines: list[ImportLineResult]


def money(value: Any) -> int:
    return int(Decimal(str(value))) if value is not None else 0
