"""Bodies of ``POST /api/v1/dossiers/{code}/apologize`` (Form 04) and of the apology drafts
(``/apology-drafts``); unknown fields are rejected."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field, StringConstraints

from onestop.core.schemas import InstantIn
from onestop.dossiers.actions.schemas import Name, Note, Reason
from onestop.dossiers.schemas import Code, Instant, Strict

LetterNumber = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, min_length=1, max_length=60, pattern=r"^[0-9A-Za-zĐđ./_-]+$"
    ),
]


class ApologizeBody(Strict):
    """Văn bản xin lỗi và đề nghị gia hạn thời gian giải quyết (Form 04): the late unit's leader
    apologises, gives the reason and a new appointment. ``due_at`` never moves; the new
    appointment is what the applicant is told."""

    reason: Reason = Field(description="Lý do quá hạn (required, non-empty)")
    new_appointment_at: InstantIn = Field(
        description="Hẹn lại: later than the current due instant, inside working hours"
    )
    issuing_unit: Code | None = Field(
        default=None,
        description="Unit code of the late unit; default the unit of the current step, else the"
        " competent unit",
    )
    letter_number: LetterNumber | None = Field(
        default=None, description='Số văn bản, e.g. "15/PXL"; generated per unit and year if absent'
    )
    signer_name: Name | None = Field(
        default=None,
        description="Default the acting leader's name (must match it); required for an import",
    )
    signer_title: Name | None = Field(
        default=None, description='Chức danh, e.g. "KT. GIÁM ĐỐC / PHÓ GIÁM ĐỐC"'
    )
    note: Note | None = None


class ApologyDraftCreate(Strict):
    """An officer's draft of the apology (Form 04) for the issuing unit's leader to sign."""

    reason: Reason = Field(description="Lý do quá hạn (required, non-empty)")
    new_appointment_at: InstantIn = Field(
        description="Proposed new appointment: later than the current due instant, inside"
        " working hours (checked again when the leader signs)"
    )
    issuing_unit: Code | None = Field(
        default=None,
        description="Unit code of the late unit; default the unit of the current step, else the"
        " competent unit",
    )
    note: Note | None = None


class ApologyDraftSign(Strict):
    """What the leader adds when signing; the reason and the appointment are the draft's."""

    letter_number: LetterNumber | None = Field(
        default=None, description='Số văn bản, e.g. "15/PXL"; generated per unit and year if absent'
    )
    signer_title: Name | None = Field(
        default=None, description='Chức danh, e.g. "KT. GIÁM ĐỐC / PHÓ GIÁM ĐỐC"'
    )


class ApologyDraftReturn(Strict):
    """The leader sends the draft back to the officers with what to change."""

    note: Reason = Field(description="What to change (required, non-empty)")


DraftStatus = Literal["pending", "signed", "returned"]


class ApologyDraftRead(BaseModel):
    id: int
    dossier_code: str
    status: DraftStatus
    issuing_unit: str = Field(description="Unit code of the unit whose leader signs")
    issuing_unit_name: str
    reason: str
    new_appointment_at: Instant
    due_at: Instant | None = Field(description="The dossier's due instant")
    note: str | None
    drafted_by: str = Field(description="Full name of the officer who drafted it")
    drafted_at: Instant
    decided_by: str | None = Field(description="Full name of the leader who signed or returned it")
    decided_at: Instant | None
    return_note: str | None
    letter_number: str | None = Field(description="The issued letter's number once signed")
