"""Request and response bodies of the catalog: units, procedures with versions, calendar.

Write models (``*Create`` / ``*Update``) forbid unexpected fields so a misspelt field is a 422,
never silently ignored. Numbers stored as ``Numeric`` travel as JSON numbers.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    StrictBool,
    StrictInt,
    StringConstraints,
    model_validator,
)

from onestop.core.schemas import InputModel, LocalTime

#: QCVN 102-style unit codes (``000.00.00.H26``, ``G09.20``): letters, digits, dots, dashes and
#: underscores, starting and ending with a letter or digit; no spaces.
UNIT_CODE_PATTERN = r"^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,38}[A-Za-z0-9])?$"
#: National procedure code ``d.dddddd`` with an optional local suffix (``1.000948.H38``).
PROCEDURE_CODE_PATTERN = r"^\d\.\d{6}(?:\.[A-Za-z0-9]{1,12})?$"
#: Province code used for calendar overrides (``H26``, ``H99``).
PROVINCE_PATTERN = r"^[A-Za-z0-9]{1,20}$"
#: A public telephone line as printed: digits with spaces, dots, dashes, parentheses, a leading
#: ``+`` (``1022``, ``0222.3822.123``, ``(0222) 3 822 123``, ``+84 222 3822 123``).
HOTLINE_PATTERN = r"^[0-9+(][0-9 .()-]{1,38}[0-9]$"

UNIT_LEVELS = ("ministry", "province", "department", "commune", "centre")
PROCEDURE_LEVELS = ("ministry", "province", "commune")
LimitUnit = Literal["working_days", "working_hours", "calendar_days", "same_day"]
BudgetUnit = Literal["working_hours", "working_days"]
StepRole = Literal["reception", "competent", "coordinating", "return"]
DayKind = Literal["holiday", "compensatory_off", "swapped_off", "makeup_workday", "workday"]


def _number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


#: A Decimal that is written to JSON as a number (``5`` or ``2.5``), not as a string.
Number = Annotated[Decimal, PlainSerializer(_number, return_type=int | float, when_used="json")]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=255)]
LongText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000)]
UnitCode = Annotated[str, StringConstraints(pattern=UNIT_CODE_PATTERN, max_length=40)]
ProvinceCode = Annotated[str, StringConstraints(pattern=PROVINCE_PATTERN)]
Hotline = Annotated[
    str,
    StringConstraints(strip_whitespace=True, pattern=HOTLINE_PATTERN, max_length=40),
    Field(description="Public telephone line (đường dây nóng)", examples=["0222.3822.123"]),
]
#: Levels are checked by the service so that ``district`` gets its own explanation; the schema
#: still advertises the allowed values.
UnitLevel = Annotated[str, Field(max_length=20, json_schema_extra={"enum": list(UNIT_LEVELS)})]
ProcedureLevel = Annotated[
    str, Field(max_length=20, json_schema_extra={"enum": list(PROCEDURE_LEVELS)})
]
HoursSpec = Annotated[
    str,
    Field(
        max_length=60,
        description="Working sessions, e.g. 07:00-11:30,13:30-17:00 (8 hours a day)",
        examples=["07:00-11:30,13:30-17:00"],
    ),
]


class _Write(InputModel, BaseModel):  # BaseModel named too, for linters that look no further
    model_config = ConfigDict(extra="forbid")


# ----------------------------------------------------------------------------------------- units


class UnitCreate(_Write):
    code: UnitCode = Field(examples=["000.00.12.H99"])
    name: Text
    level: UnitLevel
    parent_code: UnitCode | None = None
    province: ProvinceCode | None = Field(
        default=None, description="Province for calendar overrides; defaults to the parent's"
    )
    hours: HoursSpec | None = Field(default=None, description="Defaults to the parent's hours")
    has_counter: StrictBool = False
    address: Annotated[str, StringConstraints(max_length=400)] | None = None
    hotline: Hotline | None = None
    due_soon_days: Annotated[Decimal, Field(ge=0, le=99, decimal_places=1)] = Decimal("1")
    on_time_target: Annotated[Decimal, Field(ge=0, le=100, decimal_places=2)] = Decimal("99.70")


class UnitUpdate(_Write):
    """Only the fields sent are changed. ``parent_code: null`` makes the unit a root."""

    name: Text | None = None
    level: UnitLevel | None = None
    parent_code: UnitCode | None = None
    province: ProvinceCode | None = None
    hours: HoursSpec | None = None
    has_counter: StrictBool | None = None
    address: Annotated[str, StringConstraints(max_length=400)] | None = None
    hotline: Hotline | None = None
    due_soon_days: Annotated[Decimal, Field(ge=0, le=99, decimal_places=1)] | None = None
    on_time_target: Annotated[Decimal, Field(ge=0, le=100, decimal_places=2)] | None = None
    is_active: StrictBool | None = None

    @model_validator(mode="after")
    def _no_null_for_required_columns(self) -> UnitUpdate:
        nullable = {"parent_code", "province", "address", "hotline"}
        for name in sorted(self.model_fields_set - nullable):
            if getattr(self, name) is None:
                raise ValueError(f"{name} không được để trống ({name} may not be null)")
        return self


class UnitBrief(BaseModel):
    code: str
    name: str
    level: str


class UnitRead(BaseModel):
    code: str
    name: str
    level: str
    parent_code: str | None
    province: str | None
    hours: str
    has_counter: bool
    address: str | None
    hotline: str | None
    due_soon_days: Number
    on_time_target: Number
    is_active: bool


class UnitNode(UnitRead):
    children: list[UnitNode] | None = Field(
        default=None, description="Nested children; present only with tree=true"
    )


class WorkingSession(BaseModel):
    start: LocalTime
    end: LocalTime


class WorkingHoursRead(BaseModel):
    spec: str
    sessions: list[WorkingSession]
    hours_per_day: Number


class UnitDetail(UnitRead):
    parent: UnitBrief | None
    children: list[UnitBrief]
    working_hours: WorkingHoursRead


# ------------------------------------------------------------------------------------ procedures


class LimitIn(_Write):
    amount: Annotated[Decimal, Field(ge=0, max_digits=8, decimal_places=2)] | None = Field(
        default=None, examples=[5], description="Required except for same_day (0 or 1, default 1)"
    )
    unit: LimitUnit
    cutoff: LocalTime | None = Field(
        default=None,
        description="same_day only (default 15:00): received after it → next working day",
    )

    @model_validator(mode="after")
    def _amount_and_cutoff(self) -> LimitIn:
        if self.unit == "same_day":
            if self.amount is None:
                self.amount = Decimal(1)
            if self.cutoff is None:
                self.cutoff = dt.time(15, 0)
        else:
            if self.amount is None or self.amount <= 0:
                raise ValueError(
                    "Thời hạn phải lớn hơn 0 (amount is required and must be greater than 0)"
                )
            if self.cutoff is not None:
                raise ValueError(
                    "Giờ chốt chỉ dùng cho thủ tục trong ngày (cutoff applies to same_day only)"
                )
        return self


class BudgetIn(_Write):
    amount: Annotated[Decimal, Field(gt=0, max_digits=8, decimal_places=2)]
    unit: BudgetUnit


class StepIn(_Write):
    name: Text
    role: StepRole = "competent"
    unit_code: UnitCode | None = None
    budget: BudgetIn


class DocumentIn(_Write):
    code: Annotated[str, StringConstraints(max_length=40)] | None = None
    name: LongText
    copy_type: Literal["original", "copy", "electronic"] = "original"
    quantity: Annotated[StrictInt, Field(ge=1, le=1000)] = 1
    required: StrictBool = True


class FeeIn(_Write):
    code: Annotated[str, StringConstraints(max_length=40)] | None = None
    name: LongText
    amount: Annotated[StrictInt, Field(ge=0, le=10**12, description="VND")]


class VersionCreate(_Write):
    effective_from: dt.date
    limit: LimitIn
    steps: Annotated[list[StepIn], Field(max_length=100)] = []
    documents: Annotated[list[DocumentIn], Field(max_length=200)] = []
    fees: Annotated[list[FeeIn], Field(max_length=100)] = []
    supplement_policy: Literal["pause", "restart"] = "pause"
    max_reappointments: Annotated[int, Field(ge=0, le=100)] = 1
    legal_basis: LongText | None = None

    @model_validator(mode="after")
    def _code_every_document(self) -> VersionCreate:
        """Gives a document without a code the code ``TP<its position>`` (thành phần): the
        counter ticks documents off by code, so one without a code could never be handed in.
        A code already used in the list gets a suffix (``TP2.2``)."""
        taken = {d.code for d in self.documents if d.code}
        for n, doc in enumerate(self.documents, start=1):
            if not doc.code:
                code, k = f"TP{n}", 1
                while code in taken:
                    k += 1
                    code = f"TP{n}.{k}"
                doc.code = code
                taken.add(code)
        return self


class ProcedureCreate(_Write):
    code: Annotated[str, StringConstraints(pattern=PROCEDURE_CODE_PATTERN, max_length=40)] = Field(
        examples=["1.005129"]
    )
    name: LongText
    field: Text
    field_code: Annotated[str, StringConstraints(max_length=40)] | None = None
    level: ProcedureLevel | None = None
    competent_unit_codes: Annotated[list[UnitCode], Field(min_length=1, max_length=500)]
    version: VersionCreate


class LimitRead(BaseModel):
    amount: Number
    unit: str = Field(description="working_days | working_hours | calendar_days | same_day")
    cutoff: LocalTime | None = None
    hours: Number = Field(
        description="Working hours the step budgets are checked against (1 day = 8 h)"
    )


class StepRead(BaseModel):
    seq: int
    name: str
    role: str
    unit_code: str | None
    budget_hours: Number


class DocumentRead(BaseModel):
    code: str | None = None
    name: str
    copy_type: str = "original"
    quantity: int = 1
    required: bool = True


class FeeRead(BaseModel):
    code: str | None = None
    name: str
    amount: int


class VersionRead(BaseModel):
    effective_from: dt.date
    in_force: bool = Field(description="Whether this version is in force today")
    limit: LimitRead
    steps: list[StepRead]
    budget_hours_total: Number
    documents: list[DocumentRead]
    fees: list[FeeRead]
    supplement_policy: str
    max_reappointments: int
    legal_basis: str | None


class ProcedureSummary(BaseModel):
    code: str
    name: str
    field: str
    field_code: str | None
    level: str | None
    is_active: bool
    competent_unit_codes: list[str]
    limit_in_force: LimitRead | None = Field(description="Time limit of the version in force today")


class ProcedureDetail(BaseModel):
    code: str
    name: str
    field: str
    field_code: str | None
    level: str | None
    is_active: bool
    competent_units: list[UnitBrief]
    in_force_from: dt.date | None = Field(
        description="effective_from of the version in force today"
    )
    versions: list[VersionRead]


# -------------------------------------------------------------------------------------- calendar


class DueRead(BaseModel):
    start: AwareDatetime = Field(description="The start as given, in local time (+07:00)")
    normalised_start: AwareDatetime = Field(
        description="Where counting starts: the next working instant at or after start"
    )
    due: AwareDatetime = Field(description="Due instant, local time (+07:00)")
    limit: LimitRead
    unit_code: str | None = Field(description="The unit whose calendar was used (null: national)")
    province: str | None
    hours: str = Field(description="The working-hours profile used")
    calendar_fingerprint: str = Field(
        description="Short hash of what decides due dates (calendar range, hours, province, days)"
    )
    explanation: dict[str, Any] = Field(description="How the due instant was counted, day by day")


class CalendarDayRead(BaseModel):
    date: dt.date
    weekday_vi: str
    kind: str
    kind_vi: str
    working: bool = Field(description="Whether the day counts as a working day")
    name: str | None
    source: str | None
    province: str | None
    provisional: bool = Field(
        description="From statutory rules or still pending, not a published schedule"
    )
    origin: Literal["bundled", "administrator"]


class CalendarDays(BaseModel):
    year: int
    province: str | None
    working_hours: WorkingHoursRead
    days: list[CalendarDayRead]


class CalendarDayCreate(_Write):
    day: dt.date
    kind: DayKind
    name: Text | None = None
    source: Annotated[LongText, Field(description="The legal document, e.g. Thông báo 9441/TB-BNV")]
    province: ProvinceCode | None = None


class CalendarDayCreated(BaseModel):
    day: dt.date
    kind: str
    name: str
    source: str
    province: str | None
    created_by: str
    created_at: AwareDatetime
    replaced_pending: bool = Field(description="Whether a pending day was confirmed")


class UnitRef(BaseModel):
    code: str
    name: str
    address: str | None = None


class ProcedureRef(BaseModel):
    code: str
    name: str
    field: str
