"""Builds the printable forms of a dossier (01–06) and the unit register (07) from the database.

The forms themselves (templates, PDF, XLSX) know nothing of the database; this module reads the
dossier, its events, steps and apology letters and fills their context dataclasses."""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from onestop.auth.models import User
from onestop.auth.principal import Principal
from onestop.auth.rights import Right
from onestop.catalog.lookups import UnitInfo, procedure_by_id, unit_by_id, units_by_ids
from onestop.core import clock
from onestop.core.errors import InvalidInput, NotFound, RuleViolation
from onestop.dossiers.actions.apology.models import Apology
from onestop.dossiers.intake.lookup_secret import secret_matches
from onestop.dossiers.models import Dossier, DossierEvent, DossierStep
from onestop.dossiers.reading import load_visible
from onestop.dossiers.states import EventType
from onestop.forms.contexts import (
    ApologyContext,
    Applicant,
    CopyType,
    Fee,
    FormContext,
    Letterhead,
    Outcome,
    PaymentStatus,
    ProcessControlContext,
    ProcessControlRow,
    ReceiptContext,
    ReceiptDocument,
    RefusalContext,
    Signer,
    StopNoticeContext,
    SupplementRequestContext,
    signer,
)
from onestop.forms.formatting import limit_text

RETURN_LABELS = {
    "counter": "Bộ phận Một cửa nơi nộp hồ sơ",
    "postal": "Qua dịch vụ bưu chính công ích",
    "online": "Trực tuyến (kho dữ liệu điện tử trên Cổng Dịch vụ công)",
}


@dataclass(frozen=True, slots=True)
class IssuedForm:
    """A form's content and the unit that issues it (whose name heads it, and which signs it)."""

    context: FormContext
    issuer: UnitInfo


async def dossier_form(
    session: AsyncSession,
    *,
    principal: Principal,
    code: str,
    form: str,
    secret: str | None,
    public_base_url: str,
) -> FormContext:
    issued = await issue_form(
        session,
        principal=principal,
        code=code,
        form=form,
        secret=secret,
        public_base_url=public_base_url,
    )
    return issued.context


async def issue_form(
    session: AsyncSession,
    *,
    principal: Principal,
    code: str,
    form: str,
    secret: str | None,
    public_base_url: str,
) -> IssuedForm:
    principal.require(Right.FORM_PRINT)
    d = await load_visible(session, principal, code)
    builders: dict[str, Callable[[_Ctx], Awaitable[FormContext]]] = {
        "01": _receipt,
        "02": _supplement,
        "03": _refusal,
        "04": _apology,
        "05": _stop,
        "06": _process_control,
    }
    if form not in builders:
        raise NotFound(f"Không có mẫu {form} (unknown form {form})", code="unknown-form")
    ctx = _Ctx(session, d, await _units(session, d), secret, public_base_url)
    context = await builders[form](ctx)
    assert ctx.issuer is not None  # every builder names the issuing unit
    return IssuedForm(context, ctx.issuer)


class _Ctx:
    def __init__(
        self,
        session: AsyncSession,
        d: Dossier,
        units: dict[int, UnitInfo],
        secret: str | None,
        base_url: str,
    ) -> None:
        self.session, self.d, self.units = session, d, units
        self.secret, self.base_url = secret, base_url.rstrip("/")
        self.issuer: UnitInfo | None = None  # the unit of the letterhead

    def letterhead(
        self, unit_id: int, number: str | None = None, at: dt.datetime | None = None
    ) -> Letterhead:
        unit = self.issuer = self.units[unit_id]
        governing = governing_body(unit, self.units)
        return Letterhead(
            governing_body=governing.upper(),
            unit_name=unit.name,
            place=_place(governing),
            issued_at=at or clock.now(),
            number=number,
        )

    def applicant(self) -> Applicant:
        d = self.d
        return Applicant(
            d.applicant_name, d.applicant_address, d.applicant_phone, d.applicant_email
        )

    async def procedure_name(self) -> str:
        return (await procedure_by_id(self.session, self.d.procedure_id)).name

    async def last_event(self, *types: str) -> DossierEvent:
        event = (
            await self.session.execute(
                select(DossierEvent)
                .where(DossierEvent.dossier_id == self.d.id, DossierEvent.type.in_(types))
                .order_by(DossierEvent.seq.desc())
                .limit(1)
            )
        ).scalar_one_or_none()
        if event is None:
            raise RuleViolation(
                f"Hồ sơ {self.d.code} chưa có sự kiện để in mẫu này (no {'/'.join(types)} event"
                " on record for this form)",
                code="form-not-applicable",
            )
        return event

    async def person(self, actor: str | None) -> str:
        if actor and actor.startswith("user:"):
            name = await self.session.scalar(
                select(User.full_name).where(User.username == actor.removeprefix("user:"))
            )
            if name:
                return name
        return "………………………"


async def _units(session: AsyncSession, d: Dossier) -> dict[int, UnitInfo]:
    ids = {d.receiving_unit_id, d.competent_unit_id, d.returning_unit_id}
    ids |= set(
        (
            await session.execute(select(DossierStep.unit_id).where(DossierStep.dossier_id == d.id))
        ).scalars()
    )
    units = await units_by_ids(session, list(ids))
    for unit in list(units.values()):  # ancestors: the governing body of the letterhead
        for part in unit.path.strip("/").split("/")[:-1]:
            if int(part) not in units:
                units[int(part)] = await unit_by_id(session, int(part))
    return units


def governing_body(unit: UnitInfo, units: dict[int, UnitInfo]) -> str:
    parts = unit.path.strip("/").split("/")
    return units[int(parts[-2])].name if len(parts) > 1 else unit.name


def _place(governing: str) -> str:
    for prefix in ("UBND tỉnh ", "UBND thành phố ", "Ủy ban nhân dân tỉnh ", "UBND "):
        if governing.startswith(prefix):
            return governing.removeprefix(prefix)
    return governing


async def _receipt(ctx: _Ctx) -> ReceiptContext:
    d = ctx.d
    if d.received_at is None or d.due_at_original is None:
        raise RuleViolation(
            f"Hồ sơ {d.code} chưa được tiếp nhận (the dossier has not been received yet)",
            code="form-not-applicable",
        )
    receive = await ctx.last_event(EventType.RECEIVE, "accept")
    version = await _version(ctx)
    secret = ctx.secret or ""
    if secret and not secret_matches(d.secret_hash, secret):
        raise InvalidInput(
            "Mã tra cứu không khớp với hồ sơ (the lookup secret does not match)",
            code="secret-mismatch",
        )
    lookup = f"{ctx.base_url}/tra-cuu?code={d.code}" + (f"&secret={secret}" if secret else "")
    paid = await _has_event(ctx, "payment-received")
    seq = d.code.rsplit("-", 1)[-1]
    return ReceiptContext(
        letterhead=ctx.letterhead(d.receiving_unit_id, f"{seq}/TNHS", d.received_at),
        dossier_code=d.code,
        applicant=ctx.applicant(),
        procedure_name=await ctx.procedure_name(),
        documents=tuple(
            ReceiptDocument(
                doc.get("name") or doc["code"],
                CopyType(doc.get("copy_type") or "original"),
                int(doc.get("quantity") or 1),
            )
            for doc in d.documents
        ),
        sets=d.quantity,
        time_limit_text=_limit_text(version),
        received_at=d.received_at,
        appointment_at=d.appointment_at or d.due_at_original,
        result_delivery=RETURN_LABELS.get(d.return_method, d.return_method),
        fees=tuple(Fee(f["name"], int(f["amount"])) for f in d.fees),
        payment_status=_payment_status(int(d.fee_total), paid),
        register_book=f"{d.received_at.astimezone(clock.LOCAL_TZ).year}",
        register_seq=seq,
        lookup_url=lookup,
        lookup_secret=secret or "(đã ghi trên Giấy tiếp nhận bản gốc)",
        receiver_name=await ctx.person(receive.actor),
    )


async def _version(ctx: _Ctx) -> Any:
    proc = await procedure_by_id(ctx.session, ctx.d.procedure_id)
    return next(v for v in proc.versions if v.id == ctx.d.procedure_version_id)


def _limit_text(version: Any) -> str:
    if version.limit_unit == "same_day":
        cutoff = (version.same_day_cutoff or dt.time(15, 0)).strftime("%H:%M")
        return f"Trong ngày (nhận sau {cutoff} thì trả trong ngày làm việc tiếp theo)"
    return limit_text(version.limit_amount, version.limit_unit, pad=2)


def _payment_status(total: int, paid: bool) -> PaymentStatus:
    if total <= 0:
        return PaymentStatus.NOT_REQUIRED
    return PaymentStatus.PAID if paid else PaymentStatus.UNPAID


async def _has_event(ctx: _Ctx, event_type: str) -> bool:
    found = await ctx.session.scalar(
        select(DossierEvent.id)
        .where(DossierEvent.dossier_id == ctx.d.id, DossierEvent.type == event_type)
        .limit(1)
    )
    return found is not None


async def _supplement(ctx: _Ctx) -> SupplementRequestContext:
    event = await ctx.last_event("request-supplement")
    p = event.payload
    deadline = p.get("deadline_days")
    return SupplementRequestContext(
        letterhead=ctx.letterhead(
            event.unit_id or ctx.d.receiving_unit_id, f"{event.seq}/HDHS", event.at
        ),
        dossier_code=ctx.d.code,
        applicant=ctx.applicant(),
        procedure_name=await ctx.procedure_name(),
        submitted_at=ctx.d.submitted_at,
        items=tuple(p.get("items") or ()),
        reason=p.get("reason") or "",
        guide_name=await ctx.person(event.actor),
        contact_name=p.get("contact"),
        legal_basis=p.get("legal_basis"),
        supplement_deadline=event.at + dt.timedelta(days=int(deadline)) if deadline else None,
    )


async def _refusal(ctx: _Ctx) -> RefusalContext:
    event = await ctx.last_event("refuse")
    return RefusalContext(
        letterhead=ctx.letterhead(ctx.d.receiving_unit_id, f"{event.seq}/TCHS", event.at),
        applicant=ctx.applicant(),
        procedure_name=await ctx.procedure_name(),
        reason=event.payload.get("reason") or "",
        receiver_name=await ctx.person(event.actor),
        dossier_code=ctx.d.code,
        submitted_at=ctx.d.submitted_at,
        legal_basis=event.payload.get("legal_basis"),
    )


async def _apology(ctx: _Ctx) -> ApologyContext:
    letter = (
        await ctx.session.execute(
            select(Apology)
            .where(Apology.dossier_id == ctx.d.id)
            .order_by(Apology.number.desc())
            .limit(1)
        )
    ).scalar_one_or_none()
    if letter is None or ctx.d.received_at is None:
        raise RuleViolation(
            f"Hồ sơ {ctx.d.code} chưa có văn bản xin lỗi (no apology on record)",
            code="form-not-applicable",
        )
    if letter.issuing_unit_id not in ctx.units:
        ctx.units.update(await units_with_ancestors(ctx.session, letter.issuing_unit_id))
    return ApologyContext(
        letterhead=ctx.letterhead(letter.issuing_unit_id, letter.letter_number, letter.issued_at),
        applicant=ctx.applicant(),
        dossier_code=ctx.d.code,
        procedure_name=await ctx.procedure_name(),
        received_at=ctx.d.received_at,
        original_appointment_at=letter.previous_appointment_at or letter.due_at,
        reason=letter.reason,
        new_appointment_at=letter.new_appointment_at,
        signer=signer(letter.signer_name, letter.signer_title or "Thủ trưởng cơ quan"),
    )


async def units_with_ancestors(session: AsyncSession, unit_id: int) -> dict[int, UnitInfo]:
    unit = await unit_by_id(session, unit_id)
    ids = [int(p) for p in unit.path.strip("/").split("/")]
    return await units_by_ids(session, ids)


async def _stop(ctx: _Ctx) -> StopNoticeContext:
    event = await ctx.last_event("stop", "withdraw")
    p = event.payload
    signer_name = await ctx.person(event.actor)
    steps = (
        await ctx.session.execute(
            select(DossierStep.name)
            .where(DossierStep.dossier_id == ctx.d.id)
            .order_by(DossierStep.seq.desc())
            .limit(1)
        )
    ).scalar_one_or_none()
    return StopNoticeContext(
        letterhead=ctx.letterhead(
            event.unit_id or ctx.d.competent_unit_id, f"{event.seq}/TB", event.at
        ),
        applicant=ctx.applicant(),
        dossier_code=ctx.d.code,
        procedure_name=await ctx.procedure_name(),
        received_at=ctx.d.received_at or ctx.d.submitted_at,
        ground=p.get("legal_ground") or p.get("reason") or "",
        stage_reached=f"Bước «{steps}»" if steps else "Tiếp nhận",
        fees_handling=p.get("fee_handling") or "Không phát sinh phí, lệ phí phải hoàn trả",
        signer=Signer(signer_name, "THỦ TRƯỞNG CƠ QUAN"),
    )


async def _process_control(ctx: _Ctx) -> ProcessControlContext:
    d = ctx.d
    if d.received_at is None or d.due_at_original is None:
        raise RuleViolation(
            f"Hồ sơ {d.code} chưa được tiếp nhận (not received yet)", code="form-not-applicable"
        )
    steps = (
        (
            await ctx.session.execute(
                select(DossierStep).where(DossierStep.dossier_id == d.id).order_by(DossierStep.seq)
            )
        )
        .scalars()
        .all()
    )
    rows = [
        ProcessControlRow(
            handing_unit=ctx.units[s.from_unit_id].name if s.from_unit_id else "Tổ chức, cá nhân",
            receiving_unit=ctx.units[s.unit_id].name,
            handed_at=s.started_at,
            handing_person=s.handed_by,
            outcome=Outcome(s.outcome) if s.outcome else None,
            note=s.name,
        )
        for s in steps
    ]
    if d.returned_at is not None:
        rows.append(
            ProcessControlRow(
                handing_unit=ctx.units[d.returning_unit_id].name,
                receiving_unit="Tổ chức, cá nhân",
                handed_at=d.returned_at,
                outcome=Outcome(d.timing) if d.timing else None,
                note="Trả kết quả",
            )
        )
    receiving = ctx.issuer = ctx.units[d.receiving_unit_id]
    return ProcessControlContext(
        governing_body=governing_body(receiving, ctx.units).upper(),
        unit_name=receiving.name,
        dossier_code=d.code,
        applicant=ctx.applicant(),
        procedure_name=await ctx.procedure_name(),
        received_at=d.received_at,
        appointment_at=d.appointment_at or d.due_at_original,
        rows=tuple(rows),
        printed_at=clock.now(),
    )
