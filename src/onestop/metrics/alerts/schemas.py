"""Response and request models of the alert tasks (``GET /api/v1/tasks``, resolving one)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from onestop.catalog.schemas import ProcedureRef, UnitRef
from onestop.core.schemas import InputModel
from onestop.dossiers.schemas import Instant

TaskKind = Literal["due_soon", "apology_needed", "overdue", "late_again"]


class TaskRead(BaseModel):
    id: int
    kind: TaskKind
    threshold_key: str
    ref_at: Instant = Field(description="The due instant (or new appointment) it is about")
    unit: UnitRef = Field(description="The unit at fault, whose leader handles it")
    dossier_code: str
    dossier_status: int
    procedure: ProcedureRef
    due_at: Instant | None
    appointment_at: Instant | None
    created_at: Instant
    resolved_at: Instant | None
    resolved_by: str | None
    resolution: str | None
    note: str | None


class TaskResolve(InputModel):
    model_config = ConfigDict(extra="forbid")

    note: Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)] | None = None
