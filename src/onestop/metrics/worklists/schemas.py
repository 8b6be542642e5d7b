"""Response and request models of the worklists (due soon, overdue, step warnings) and tasks."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from onestop.catalog.schemas import ProcedureRef, UnitRef
from onestop.core.paging import Page
from onestop.dossiers.schemas import Instant

ExportFormat = Literal["json", "csv", "xlsx"]
#: The deadline a worklist item is measured against: ``resolution`` (``due_at``, the appointment
#: counted from receipt) or ``acceptance`` (``accept_due_at``: an online or postal dossier must be
#: accepted or answered within 8 working hours of submission).
Deadline = Literal["resolution", "acceptance"]
#: Where a dossier of "my work" stands: past its due instant, inside its unit's due-soon window,
#: further away, or paused (waiting for the applicant's supplement: the clock stands still).
WorkState = Literal["overdue", "due_soon", "on_track", "paused"]


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
    deadline: Deadline = Field(
        description="The deadline this item is measured against (overdue: the one that is past):"
        " resolution (due_at) or acceptance (accept_due_at, online dossier not accepted yet)"
    )
    deadline_at: Instant = Field(description="That deadline's instant: the list's order key")
    due_at: Instant | None = Field(description="Resolution due instant; null before acceptance")
    accept_due_at: Instant | None = Field(
        description="Online / postal: acceptance due (8 working hours after submission)"
    )
    due_at_original: Instant | None
    appointment_at: Instant | None = Field(description="What the applicant was last told")
    working_time_left: WorkingTime | None = Field(description="Due soon: until deadline_at")
    working_time_late: WorkingTime | None = Field(description="Overdue: since deadline_at")
    apology: ApologyStatus
    late_again: bool = Field(description="Apologised and past the new appointment too")


class Worklist(Page[WorklistItem]):
    kind: Literal["due_soon", "overdue"]
    as_of: Instant = Field(description="The instant the list is judged at")
    total: int | None = Field(
        default=None,
        description="Dossiers on the whole list (every page) with ?total=true; null otherwise",
    )


class MyWorkItem(WorklistItem):
    state: WorkState = Field(description="overdue | due_soon | on_track | paused")


class MyWorkCounts(BaseModel):
    """The caller's open steps per state (every page, not only this one)."""

    overdue: int
    due_soon: int
    on_track: int
    paused: int


class MyWork(Page[MyWorkItem]):
    as_of: Instant = Field(description="The instant the states are judged at (now)")
    counts: MyWorkCounts


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
    as_of: Instant = Field(description="The instant the warnings are judged at")
