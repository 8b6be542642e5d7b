"""Body of ``POST /api/v1/dossiers/{code}/apologize`` (Form 04); unknown fields are rejected."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StringConstraints

from onestop.core.schemas import InstantIn
from onestop.dossiers.actions.schemas import Name, Note, Reason
from onestop.dossiers.schemas import Code, Strict

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
