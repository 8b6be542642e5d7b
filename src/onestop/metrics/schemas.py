"""Request and response models of the reports API (on-time, Biểu 06, satisfaction, Decision 766,
closed periods) and of the satisfaction rating."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer, StrictInt, StringConstraints

from onestop.core.schemas import InputModel
from onestop.dossiers.schemas import Instant

#: Percentages and scores: exact decimals inside, JSON numbers outside (99.7, 98.25).
Num = Annotated[Decimal, PlainSerializer(float, return_type=float, when_used="json")]
Format = Literal["json", "csv", "xlsx"]
GroupBy = Literal["unit", "procedure", "field", "month"]
OnTimeBucket = Literal["early", "on_time", "late", "finished"]
#: Biểu 06's level groups of units (``metrics.level_groups``, and "other").
LevelGroup = Literal["province", "district", "commune", "ministry", "other"]
RatingLevel = Literal["rat_hai_long", "hai_long", "khong_hai_long"]
ReportKind = Literal["on-time", "bieu-06"]
Code = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60)]


class Strict(InputModel):
    """A request body: unknown fields and NUL characters are refused."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class ReportUnit(BaseModel):
    """The unit a report or one of its rows covers (its subtree)."""

    code: str
    name: str


class PeriodRead(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    from_: dt.date = Field(alias="from", description="First local date (inclusive)")
    to: dt.date = Field(description="Last local date (inclusive)")


class CorrectionRead(BaseModel):
    dossier_code: str
    seq: int
    at: Instant
    actor: str
    reason: str | None = None


class ClosedRef(BaseModel):
    """A closed period matching this report: its hash, and whether today's figures differ."""

    id: int
    content_hash: str
    closed_at: Instant
    differs: bool


# -- on-time ---------------------------------------------------------------------------------------
class OnTimeRow(BaseModel):
    key: str
    label: str
    unit_code: str | None = None
    parent_code: str | None = None
    level: str | None = None
    depth: int | None = None
    early: int
    on_time: int
    late: int
    finished: int
    rate: Num | None = Field(
        description="(early + on time) ÷ finished × 100; null: nothing finished"
    )
    target: Num
    status: Literal["green", "amber", "red"] | None
    links: dict[str, str] = Field(description="Drill-down list per count (early, on_time, …)")


class OnTimeReport(BaseModel):
    unit: ReportUnit = Field(description="The unit whose subtree the report covers")
    period: PeriodRead
    group_by: GroupBy
    thresholds: dict[str, str]
    total: OnTimeRow = Field(description="The whole subtree over the period")
    rows: list[OnTimeRow]
    corrections: list[CorrectionRead]
    closed_period: ClosedRef | None = None
    source: str = "report_ontime_* rollups"
    generated_at: Instant


class ReportDossier(BaseModel):
    """A dossier behind a count (no personal data)."""

    code: str
    procedure_code: str
    field: str
    competent_unit_code: str
    channel: str
    status: int
    received_at: Instant | None
    due_at: Instant | None
    finished_at: Instant | None
    ended_at: Instant | None
    supplement_count: int
    late_flag: bool
    bucket: str | None = None
    column: int | None = None


# -- Biểu 06 ---------------------------------------------------------------------------------------
class Bieu06Columns(BaseModel):
    c3: int = Field(description="(3) Số hồ sơ nhận giải quyết: tổng số")
    c4: int = Field(description="(4) trong đó trực tuyến")
    c5: int = Field(description="(5) trực tiếp, dịch vụ bưu chính")
    c6: int = Field(description="(6) từ kỳ trước")
    c7: int = Field(description="(7) Số hồ sơ đã giải quyết: tổng số")
    c8: int = Field(description="(8) trước hạn")
    c9: int = Field(description="(9) đúng hạn (gồm hồ sơ rút, dừng sau tiếp nhận)")
    c10: int = Field(description="(10) quá hạn")
    c11: int = Field(description="(11) Số hồ sơ đang giải quyết: tổng số")
    c12: int = Field(description="(12) trong hạn (gồm hồ sơ chờ bổ sung)")
    c13: int = Field(description="(13) quá hạn")


class Bieu06Row(BaseModel):
    stt: str
    label: str
    level: str | None = None
    field: str | None = None
    columns: Bieu06Columns
    withdrawn_stopped: int = Field(description="Of (9): withdrawn or stopped after receipt")
    links: dict[str, str]


class Bieu06Section(BaseModel):
    level: str
    label: str
    rows: list[Bieu06Row]
    subtotal: Bieu06Row


class Bieu06Report(BaseModel):
    unit: ReportUnit = Field(description="The unit whose subtree the report covers")
    period: PeriodRead
    sections: list[Bieu06Section]
    total: Bieu06Row = Field(description="The whole subtree over the period")
    notes: list[str]
    corrections: list[CorrectionRead]
    closed_period: ClosedRef | None = None
    generated_at: Instant


# -- satisfaction ----------------------------------------------------------------------------------
class RatingCreate(Strict):
    level: RatingLevel = Field(description="rat_hai_long | hai_long | khong_hai_long")
    comment: Annotated[str, StringConstraints(strip_whitespace=True, max_length=1000)] | None = None
    secret: Annotated[str, StringConstraints(min_length=1, max_length=64)] | None = Field(
        default=None, description="The receipt's lookup secret (citizen; not needed for a clerk)"
    )
    channel: Literal["portal", "kiosk"] | None = Field(
        default=None, description="Where the citizen rated (default portal); a clerk: counter"
    )


class RatingRead(BaseModel):
    dossier_code: str
    level: RatingLevel
    level_label: str
    comment: str | None
    channel: str
    at: Instant
    followup_task_id: int | None = None


class RatingItem(BaseModel):
    dossier_code: str
    unit_code: str
    level: RatingLevel
    channel: str
    comment: str | None
    at: Instant


class FollowupTaskRead(BaseModel):
    id: int
    kind: str
    unit_code: str
    dossier_code: str
    level: RatingLevel
    comment: str | None
    title: str
    assignee_role: str
    created_at: Instant
    resolved_at: Instant | None


class SatisfactionRow(BaseModel):
    key: str
    label: str
    unit_code: str | None = Field(description="None on a row that adds several units up")
    parent_code: str | None = None
    level: str | None = None
    depth: int
    rat_hai_long: int
    hai_long: int
    khong_hai_long: int
    ratings: int
    rate: Num | None = Field(description="(rất hài lòng + hài lòng) ÷ ratings × 100")
    target: Num
    status: Literal["green", "amber", "red"] | None
    links: dict[str, str]


class SatisfactionReport(BaseModel):
    unit: ReportUnit = Field(description="The unit whose subtree the report covers")
    period: PeriodRead
    total: SatisfactionRow = Field(description="The whole subtree over the period")
    rows: list[SatisfactionRow]
    generated_at: Instant


# -- Decision 766 and the nine evaluation indicators -----------------------------------------------
class IndicatorRead(BaseModel):
    id: str
    name: str
    numerator: int
    denominator: int
    ratio: Num | None = Field(description="Percent, 2 decimals")
    score: Num | None
    max_score: Num | None = Field(description="None: the indicator carries a ratio, no score")
    detail: dict[str, Any] = Field(default_factory=dict)
    links: dict[str, str] = Field(default_factory=dict)


class EvaluationIndicatorRead(BaseModel):
    number: int
    name: str
    score: Num | None
    source: Literal["auto", "entry", "missing"]
    basis: int | None = Field(default=None, description="Dossiers scored (automatic indicators)")
    note: str | None = None


class EvaluationRead(BaseModel):
    indicators: list[EvaluationIndicatorRead]
    total: Num = Field(description="Sum of the indicators' scores (0–18)")
    max_total: int = 18
    complete: bool
    missing: list[int]
    classification: str | None
    classification_rule: str


class Index766Report(BaseModel):
    unit: ReportUnit = Field(description="The unit whose subtree the report covers")
    period: PeriodRead
    indicators: list[IndicatorRead]
    evaluation: EvaluationRead
    generated_at: Instant


class EvaluationEntryCreate(Strict):
    unit: Code = Field(description="Code of the unit scored (its subtree)")
    from_: dt.date = Field(alias="from", description="First local date of the period (inclusive)")
    to: dt.date = Field(description="Last local date of the period (inclusive)")
    indicator: Literal[5, 6, 8, 9]
    score: StrictInt = Field(ge=0, le=2)
    note: Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)] | None = None


class EvaluationEntryRead(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    id: int
    unit: str
    from_: dt.date = Field(alias="from")
    to: dt.date
    indicator: int
    score: int
    note: str | None
    entered_by: str
    entered_at: Instant


# -- closed periods --------------------------------------------------------------------------------
class PeriodCloseCreate(Strict):
    kind: ReportKind
    unit: Code = Field(description="Code of the unit whose subtree the report covers")
    from_: dt.date = Field(alias="from", description="First local date of the period (inclusive)")
    to: dt.date = Field(description="Last local date of the period (inclusive)")
    note: Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)] | None = None


class ClosedPeriodRead(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    id: int
    kind: ReportKind
    unit: ReportUnit = Field(description="The unit whose subtree the report covers")
    period: PeriodRead
    content_hash: str
    closed_by: str
    closed_at: Instant
    note: str | None
    figures: dict[str, Any] = Field(description="The frozen figures")
    hash_valid: bool = Field(description="The stored figures still hash to content_hash")
    differs: bool | None = Field(
        default=None, description="A recomputation today gives other figures (shown in current)"
    )
    current: dict[str, Any] | None = None
    current_hash: str | None = None
