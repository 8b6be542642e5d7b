"""Response and request models of the worklists (due soon, overdue, step warnings) and tasks."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from onestop.catalog.schemas import ProcedureRef, UnitRef
from onestop.core.paging import Page
from onestop.dossiers.schemas import Instant

ExportFormat = Literal["json", "csv", "xlsx"]


class WorkingTime(BaseModel):
    """Working time (1 working day = 8 working hours)."""

    hours: float
    days: float


class StepRef(BaseModel):
    seq: int
    name: str
    unit: UnitRef
    handler: str | None = Field(description="Username of the officer holding the step")
    handler_name: str | None
    started_at: Instant
    budget_hours: float | None
    due_at: Instant | None


class ApologyStatus(BaseModel):
    status: Literal["none", "on_time", "late"] = Field(
        description="none; on_time (issued ≥ 1 working day before due_at); late (a late apology)"
    )
    letter_number: str | None = None
    issued_at: Instant | None = None
    new_appointment_at: Instant | None = None


class WorklistItem(BaseModel):
    code: str
    status: int
    status_label: str
    procedure: ProcedureRef
    applicant_name: str = Field(description="Masked without personal-data:view")
    receiving_unit: UnitRef
    competent_unit: UnitRef
    current_step: StepRef | None
    due_at: Instant
    due_at_original: Instant | None
    appointment_at: Instant | None = Field(description="What the applicant was last told")
    working_time_left: WorkingTime | None = Field(description="Due soon: until due_at")
    working_time_late: WorkingTime | None = Field(description="Overdue: since due_at")
    apology: ApologyStatus
    late_again: bool = Field(description="Apologised and past the new appointment too")


class Worklist(Page[WorklistItem]):
    kind: Literal["due_soon", "overdue"]
    as_of: Instant
    total: int | None = Field(
        default=None,
        description="Dossiers on the whole list (every page) with ?total=true; null otherwise",
    )


class StepWarningItem(BaseModel):
    """A step past its own budget while the dossier is still on time: an internal warning for the
    step's unit (Form 06 row "quá hạn"), not a citizen-facing overdue."""

    code: str
    procedure: ProcedureRef
    applicant_name: str
    competent_unit: UnitRef
    step: StepRef
    working_time_over: WorkingTime | None = Field(description="Since the step's own due instant")
    dossier_due_at: Instant
    dossier_working_time_left: WorkingTime | None


class StepWarnings(Page[StepWarningItem]):
    kind: Literal["step_warnings"] = "step_warnings"
    as_of: Instant
