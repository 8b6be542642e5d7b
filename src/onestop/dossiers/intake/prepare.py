"""Intake (``POST /api/v1/dossiers``): checks, the due instant, the code and the receipt (Form 01).

Counter intake by a clerk is received at once (status 2, the clock starts); online and postal
dossiers wait in status 1 until accepted. ``prepare`` does every check and computes every value
without writing; ``intake.write`` writes the rows in one statement (PostgreSQL) or a few (SQLite).
Time is passed in (``at``) so the importer can replay history with the same code.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from onestop.auth.principal import Principal
from onestop.auth.rights import Right
from onestop.catalog import lookups
from onestop.catalog.lookups import ProcedureInfo, UnitInfo, VersionInfo
from onestop.catalog.schemas import ProcedureRef, UnitRef
from onestop.core import clock, crypto
from onestop.core.errors import InvalidInput
from onestop.core.schemas import invalid_field
from onestop.dossiers import deadlines
from onestop.dossiers.access import Actor, require_covers
from onestop.dossiers.intake.codes import PORTAL_CODE_RE, CodePlan, get_strategy
from onestop.dossiers.intake.lookup_secret import new_secret
from onestop.dossiers.names import fold
from onestop.dossiers.schemas import (
    ApplicantRead,
    DossierCreate,
    DossierDocumentIn,
    DossierDocumentRead,
    DossierFeeRead,
    IntakeReceipt,
    TimeLimitRead,
    money,
)
from onestop.dossiers.states import Channel, EventType, Status

RECEPTION_STEP_NAME = "Tiếp nhận hồ sơ"


@dataclass
class Draft:
    """Everything an intake writes, computed before any write."""

    dossier: dict[str, Any]
    event: dict[str, Any]
    step: dict[str, Any] | None
    plan: CodePlan | None
    code: str | None
    receipt: IntakeReceipt
    secret: str
    competent: UnitInfo
    procedure: ProcedureInfo


def limit_read(version: VersionInfo) -> TimeLimitRead:
    lim = version.limit
    amount = float(version.limit_amount)
    return TimeLimitRead(
        amount=int(amount) if amount.is_integer() else amount, unit=lim.unit, text=str(lim)
    )


@lru_cache(maxsize=4096)
def unit_brief(unit: UnitInfo) -> UnitRef:
    """A unit as a receipt names it (one per unit snapshot, shared: never mutated)."""
    return UnitRef(code=unit.code, name=unit.name, address=unit.address)


def require_documents(version: VersionInfo, codes: set[str]) -> None:
    """A 422 naming every document the version requires that is not among ``codes``."""
    missing = [
        {"code": str(d.get("code")), "name": str(d.get("name", ""))}
        for d in version.documents
        if d.get("required") and str(d.get("code")) not in codes
    ]
    if missing:
        names = ", ".join(f"{m['code']} ({m['name']})" for m in missing)
        raise InvalidInput(
            f"Thiếu giấy tờ bắt buộc: {names} (missing required documents)",
            code="missing-documents",
            missing=missing,
        )


def check_documents(version: VersionInfo, given: list[DossierDocumentIn]) -> list[dict[str, Any]]:
    """The received documents, named from the version's list; a 422 naming every required
    document that is missing, or an unknown one given without a name."""
    require_documents(version, {d.code for d in given})
    return describe_documents(version, given)


def describe_documents(
    version: VersionInfo, given: list[DossierDocumentIn]
) -> list[dict[str, Any]]:
    """Documents as stored: named from the version's list (an unlisted one needs a name)."""
    listed = {str(d.get("code")): d for d in version.documents}
    out: list[dict[str, Any]] = []
    for d in given:
        spec = listed.get(d.code, {})
        name = d.name or spec.get("name")
        if not name:
            raise InvalidInput(
                f"Giấy tờ {d.code} không có trong danh mục và không có tên"
                f" (document {d.code} is not listed and has no name)",
                code="unknown-document",
                document=d.code,
            )
        out.append(
            {
                "code": d.code,
                "name": str(name),
                "copy_type": d.copy_type or spec.get("copy_type"),
                "quantity": d.quantity,
                "required": bool(spec.get("required", False)),
            }
        )
    return out


def _check_rights(principal: Principal, channel: str) -> None:
    if principal.kind == "client":
        principal.require(Right.DOSSIER_SUBMIT)
        if channel == Channel.COUNTER:
            raise InvalidInput(
                "Ứng dụng không tiếp nhận tại quầy (an API client cannot do counter intake)",
                code="counter-needs-clerk",
            )
    else:
        principal.require(Right.DOSSIER_INTAKE)


def _competent(proc: ProcedureInfo, receiving: UnitInfo | None, given: UnitInfo | None) -> int:
    if given is not None:
        if given.id not in proc.competent_unit_ids:
            raise InvalidInput(
                f"Đơn vị {given.code} không có thẩm quyền giải quyết thủ tục {proc.code}"
                f" (unit {given.code} is not competent for {proc.code})",
                code="unit-not-competent",
                unit=given.code,
            )
        return given.id
    if not proc.competent_unit_ids:
        raise InvalidInput(
            f"Thủ tục {proc.code} chưa có đơn vị giải quyết (no competent unit)",
            code="no-competent-unit",
        )
    if receiving is not None and receiving.id in proc.competent_unit_ids:
        return receiving.id
    return proc.competent_unit_ids[0]


async def prepare(
    session: AsyncSession,
    *,
    body: DossierCreate,
    at: dt.datetime,
    actor: Actor,
    principal: Principal | None,
    actor_full_name: str = "",
    secret: str | None = None,
) -> Draft:
    """Check an intake and compute its rows. ``principal`` None (import) skips the rights and
    scope checks, never the rules."""
    is_client = principal is not None and principal.kind == "client"
    channel = body.channel or (Channel.ONLINE if is_client else Channel.COUNTER)
    if principal is not None:
        _check_rights(principal, channel)
    proc = await lookups.procedure_by_code(session, body.procedure)
    given_competent = (
        await lookups.unit_by_code(session, body.competent_unit) if body.competent_unit else None
    )
    receiving: UnitInfo | None = None
    if body.receiving_unit:
        receiving = await lookups.unit_by_code(session, body.receiving_unit)
    elif principal is not None and principal.kind == "user" and principal.unit_id is not None:
        receiving = await lookups.unit_by_id(session, principal.unit_id)
    competent = await lookups.unit_by_id(session, _competent(proc, receiving, given_competent))
    receiving = receiving or competent
    if principal is not None:
        await require_covers(session, principal, receiving)
    returning = (
        await lookups.unit_by_code(session, body.returning_unit)
        if body.returning_unit
        else receiving
    )

    submitted_at = body.submitted_at or at
    if submitted_at > at:
        raise invalid_field(
            ["body", "submitted_at"],
            "Thời điểm nộp hồ sơ ở tương lai (submitted_at is in the future)",
            code="submitted-in-future",
            kind="future_instant",
        )
    version = proc.version_on(clock.local_date(at))
    limit = version.limit
    documents = check_documents(version, body.documents)
    fees: list[dict[str, Any]] = [
        {"code": f.get("code"), "name": str(f.get("name", "")), "amount": money(f.get("amount"))}
        for f in version.fees
    ]
    fee_total = sum(int(f["amount"]) for f in fees)
    code, plan = _code(body, receiving, at)

    received = channel == Channel.COUNTER
    status = Status.RECEIVED if received else Status.SUBMITTED
    competent_cal = await lookups.calendar_for(session, competent)
    receiving_cal = (
        competent_cal
        if receiving.id == competent.id
        else await lookups.calendar_for(session, receiving)
    )
    due_at = deadlines.due(competent_cal, at, limit) if received else None
    accept_due_at = (
        None if received else deadlines.due(receiving_cal, submitted_at, deadlines.ACCEPT_WINDOW)
    )
    secret, secret_hash = new_secret(secret)
    step = reception_step(version, receiving, receiving_cal, at, actor) if received else None
    applicant = body.applicant
    dossier: dict[str, Any] = {
        "portal_ref": body.portal_ref,
        "procedure_id": proc.id,
        "procedure_version_id": version.id,
        "receiving_unit_id": receiving.id,
        "competent_unit_id": competent.id,
        "returning_unit_id": returning.id,
        "current_unit_id": step["unit_id"] if step else receiving.id,
        "current_step_seq": 1 if step else None,
        "handler_id": step["handler_id"] if step else None,
        "channel": channel,
        "status": int(status),
        "applicant_name": applicant.name,
        "applicant_search": fold(applicant.name),
        "applicant_kind": applicant.kind,
        "applicant_id_number": applicant.id_number,
        "applicant_phone": applicant.phone,
        "applicant_email": applicant.email,
        "applicant_address": applicant.address,
        "applicant_id_hash": crypto.search_hash(applicant.id_number),
        "submitted_at": submitted_at,
        "received_at": at if received else None,
        "accept_due_at": accept_due_at,
        "due_at_original": due_at,
        "due_at": due_at,
        "appointment_at": due_at,
        "finished_at": None,
        "returned_at": None,
        "ended_at": None,
        "calendar_fingerprint": competent_cal.fingerprint if received else None,
        "supplement_count": 0,
        "reception_supplement_count": 0,
        "awaiting_supplement": False,
        "late_flag": False,
        "reappointment_count": 0,
        "timing": None,
        "result": None,
        "end_reason": None,
        "return_method": body.return_method,
        "quantity": body.quantity,
        "documents": documents,
        "fees": fees,
        "fee_total": Decimal(fee_total),
        "note": body.note,
        "secret_hash": secret_hash,
        "event_count": 1,
        "version": 1,
        "created_at": at,
        "updated_at": at,
    }
    event = {
        "seq": 1,
        "type": EventType.RECEIVE if received else EventType.SUBMIT,
        "at": at,
        "recorded_at": at,
        "actor": actor.name,
        "unit_id": actor.unit_id or receiving.id,
        "from_status": None,
        "to_status": int(status),
        "payload": {
            "procedure": proc.code,
            "procedure_version_id": version.id,
            "channel": channel,
            "receiving_unit": receiving.code,
            "competent_unit": competent.code,
            "returning_unit": returning.code,
            "limit": dict(version.limit_dict),
            "due_at": deadlines.iso(due_at),
            "accept_due_at": deadlines.iso(accept_due_at),
            "submitted_at": deadlines.iso(submitted_at),
            "calendar_fingerprint": competent_cal.fingerprint if received else None,
            "documents": [d["code"] for d in documents],
            "portal_ref": body.portal_ref,
        },
    }
    receipt = IntakeReceipt(
        code=code or "",
        status=int(status),
        state=status.state,
        status_label=status.label_vi,
        channel=channel,
        procedure=ProcedureRef(code=proc.code, name=proc.name, field=proc.field),
        procedure_version_id=version.id,
        applicant=ApplicantRead(
            name=applicant.name,
            kind=applicant.kind,
            id_number=applicant.id_number,
            phone=applicant.phone,
            email=applicant.email,
            address=applicant.address,
        ),
        receiving_unit=unit_brief(receiving),
        competent_unit=unit_brief(competent),
        returning_unit=unit_brief(returning),
        submitted_at=submitted_at,
        received_at=at if received else None,
        accept_due_at=accept_due_at,
        due_at=due_at,
        time_limit=limit_read(version),
        documents=[DossierDocumentRead(**d) for d in documents],
        quantity=body.quantity,
        fees=[DossierFeeRead(**f) for f in fees],
        fee_total=fee_total,
        return_method=body.return_method,
        calendar_fingerprint=competent_cal.fingerprint if received else None,
        lookup_secret=secret,
        lookup_path="",
        portal_ref=body.portal_ref,
        received_by=actor_full_name or actor.name,
    )
    return Draft(dossier, event, step, plan, code, receipt, secret, competent, proc)


def reception_step(
    version: VersionInfo,
    receiving: UnitInfo,
    cal: Any,
    at: dt.datetime,
    actor: Actor,
) -> dict[str, Any]:
    """Step 1: the dossier at the receiving counter, with the version's reception budget when
    its first step is a reception step."""
    first = version.steps[0] if version.steps else None
    spec = first if first is not None and first.role == "reception" else None
    budget = spec.budget_hours if spec else None
    return {
        "seq": 1,
        "name": spec.name if spec else RECEPTION_STEP_NAME,
        "kind": "reception",
        "procedure_step_seq": spec.seq if spec else None,
        "unit_id": (spec.unit_id if spec and spec.unit_id else None) or receiving.id,
        "from_unit_id": None,
        "handler_id": actor.user_id,
        "handed_by": actor.name,
        "started_at": at,
        "budget_hours": budget,
        "due_at": deadlines.due(cal, at, deadlines.step_limit(budget)) if budget else None,
        "ended_at": None,
        "outcome": None,
        "note": None,
    }


def _code(
    body: DossierCreate, receiving: UnitInfo, at: dt.datetime
) -> tuple[str | None, CodePlan | None]:
    if body.code is not None:
        if not PORTAL_CODE_RE.match(body.code):
            raise InvalidInput(
                f"Mã hồ sơ {body.code!r} không hợp lệ (invalid dossier code)", code="invalid-code"
            )
        return body.code, None
    plan = get_strategy().plan(
        unit_id=receiving.id, unit_code=receiving.code, local_day=clock.local_date(at)
    )
    return None, plan
