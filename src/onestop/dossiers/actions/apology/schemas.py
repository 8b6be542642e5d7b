"""Body of ``POST /api/v1/dossiers/{code}/apologize`` (Form 04); unknown fields are rejected."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from pydantic import AwareDatetime, BeforeValidator, Field, StringConstraints

from onestop.dossiers.actions.schemas import Name, Note, Reason
from onestop.dossiers.schemas import Code, Strict

LetterNumber = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, min_length=1, max_length=60, pattern=r"^[0-9A-Za-zĐđ./_-]+$"
    ),
]


def _iso_text(value: Any) -> Any:
    """An instant is written as ISO 8601 text (a bare number is not a date)."""
    if not isinstance(value, str | dt.datetime):
        raise ValueError("expected an ISO 8601 instant with an offset, e.g. 2026-03-12T10:00+07:00")
    return value


Instant = Annotated[AwareDatetime, BeforeValidator(_iso_text)]


class ApologizeBody(Strict):
    """Văn bản xin lỗi và đề nghị gia hạn thời gian giải quyết (Form 04): the late unit's leader
    apologises, gives the reason and a new appointment. ``due_at`` never moves; the new
    appointment is what the applicant is told."""

    reason: Reason = Field(description="Lý do quá hạn (required, non-empty)")
    new_appointment_at: Instant = Field(
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
