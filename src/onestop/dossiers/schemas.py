"""Request and response models of the dossier API (action bodies live in ``actions.schemas``)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from onestop.catalog.schemas import ProcedureRef, UnitRef
from onestop.core.clock import LOCAL_TZ
from onestop.core.schemas import InputModel, InstantIn
from onestop.dossiers.states import Channel


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


class ApplicantIn(Strict):
    name: Text255
    kind: Literal["citizen", "organisation"] = "citizen"
    id_number: Annotated[str, StringConstraints(strip_whitespace=True, max_length=40)] | None = None
    phone: Annotated[str, StringConstraints(strip_whitespace=True, max_length=40)] | None = None
    email: Annotated[str, StringConstraints(strip_whitespace=True, max_length=255)] | None = None
    address: Annotated[str, StringConstraints(strip_whitespace=True, max_length=400)] | None = None


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
        default=None, description="When the applicant submitted (online/postal); default now"
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


class IntakeReceipt(BaseModel):
    """Everything Form 01 (Giấy tiếp nhận hồ sơ và hẹn trả kết quả) needs."""

    code: str
    status: int
    state: str
    status_label: str
    channel: str
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
    status: int
    state: str
    status_label: str
    channel: str
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


class ImportLineResult(BaseModel):
    line: int
    status: Literal["accepted", "rejected"]
    code: str | None = None
    reason: str | None = None
    problem: str | None = None


class ImportResult(BaseModel):
    accepted: int
    rejected: int
    lines: list[ImportLineResult]


def money(value: Any) -> int:
    return int(Decimal(str(value))) if value is not None else 0
