"""Bodies of the dossier actions (``POST /api/v1/dossiers/{code}/{action}``); unknown fields are
rejected."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal

from pydantic import Field, StringConstraints, model_validator

from onestop.dossiers.schemas import DossierDocumentIn, ReturnMethod, Strict

Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]
Note = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=255)]


class AcceptBody(Strict):
    note: Note | None = None


class RefuseBody(Strict):
    """Form 03: the reason is mandatory and must be written out (not an error code)."""

    reason: Reason
    legal_basis: Note | None = None
    note: Note | None = None


class AssignBody(Strict):
    handler: Name = Field(description="Username of the officer who will handle the current step")
    note: Note | None = None


class TransferBody(Strict):
    """Hand the dossier to the next step of the internal procedure, or to another agency
    (liên thông) when ``to_unit`` is given."""

    to_unit: Name | None = None
    step_name: Name | None = None
    budget_hours: Decimal | None = Field(default=None, gt=0, le=10000)
    handler: Name | None = None
    note: Note | None = None


class SupplementRequestBody(Strict):
    """Form 02 (Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ)."""

    items: list[Reason] = Field(min_length=1, max_length=50)
    reason: Reason
    legal_basis: Note | None = None
    contact: Note | None = None
    deadline_days: int | None = Field(default=None, ge=1, le=365)
    override_reason: Reason | None = Field(
        default=None, description="A leader's reason for a second request (counts late)"
    )


class SupplementReceivedBody(Strict):
    documents: list[DossierDocumentIn] = Field(default_factory=list, max_length=100)
    note: Note | None = None


class PaymentItem(Strict):
    name: Name
    amount: int = Field(ge=0, le=10**13)


class PaymentRequestBody(Strict):
    items: list[PaymentItem] = Field(min_length=1, max_length=50)
    note: Note | None = None


class PaymentReceivedBody(Strict):
    receipt_number: Name | None = None
    amount: int | None = Field(default=None, ge=0, le=10**13)
    note: Note | None = None


class FinishBody(Strict):
    result: Literal["approved", "rejected"] = "approved"
    reason: Reason | None = Field(default=None, description="Required for a negative result")
    result_number: Name | None = None
    note: Note | None = None

    @model_validator(mode="after")
    def _reason_for_rejection(self) -> FinishBody:
        if self.result == "rejected" and not self.reason:
            raise ValueError("a rejected result needs a reason (văn bản trả lời nêu rõ lý do)")
        return self


class ReturnBody(Strict):
    method: ReturnMethod | None = None
    received_by: Name | None = None
    without_resolution: bool = Field(
        default=False, description="Return from processing (4 → 10) with a written answer"
    )
    reason: Reason | None = None
    note: Note | None = None

    @model_validator(mode="after")
    def _reason_without_resolution(self) -> ReturnBody:
        if self.without_resolution and not self.reason:
            raise ValueError("returning without resolution needs a reason")
        return self


class WithdrawBody(Strict):
    reason: Reason
    note: Note | None = None


class StopBody(Strict):
    """Form 05 (Thông báo dừng giải quyết hồ sơ)."""

    legal_ground: Reason
    reason: Reason | None = None
    fee_handling: Note | None = None
    note: Note | None = None
