"""Reading dossiers: scope, detail (with the due explanation and audited personal data), the
event timeline and the citizen's lookup by secret."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ColumnElement, and_, select
from sqlalchemy.ext.asyncio import AsyncSession

from onestop.auth import audit
from onestop.auth.models import User
from onestop.auth.principal import Principal
from onestop.auth.rights import Right
from onestop.catalog import lookups
from onestop.catalog.lookups import UnitInfo
from onestop.catalog.models import Unit
from onestop.catalog.schemas import ProcedureRef
from onestop.core.errors import NotFound
from onestop.dossiers import deadlines
from onestop.dossiers.access import require_sees
from onestop.dossiers.actions.registry import allowed_actions, load
from onestop.dossiers.intake.lookup_secret import secret_matches
from onestop.dossiers.intake.prepare import limit_read, unit_brief
from onestop.dossiers.models import Dossier, DossierEvent, DossierPause, DossierStep
from onestop.dossiers.names import mask
from onestop.dossiers.schemas import (
    ApplicantRead,
    DossierDocumentRead,
    DossierEventRead,
    DossierFeeRead,
    DossierPauseRead,
    DossierRead,
    DossierStepRead,
    DossierSummary,
    PublicAgency,
    PublicDossier,
    PublicProgress,
)
from onestop.dossiers.states import Status

PERSONAL_RIGHT = Right.PERSONAL_DATA_VIEW


def is_overdue(d: Dossier, now: dt.datetime) -> bool:
    """Open, clock running (not waiting for a supplement) and past its due instant."""
    return (
        d.ended_at is None
        and d.due_at is not None
        and d.status != Status.SUPPLEMENT_REQUESTED
        and d.due_at < now
    )


def is_late_to_accept(d: Dossier, now: dt.datetime) -> bool:
    """Submitted online (or by post) and not accepted or answered within its 8 working hours."""
    return d.status == Status.SUBMITTED and d.accept_due_at is not None and d.accept_due_at < now


def late_to_accept_clause(d: Any, now: Any) -> ColumnElement[bool]:
    """``is_late_to_accept`` in SQL (``d``: the ``Dossier`` class or its table's columns; ``now``
    an instant or a bound parameter): the dossier list's ``late_to_accept`` filter and the
    overdue worklist read the same condition."""
    return and_(d.status == int(Status.SUBMITTED), d.accept_due_at < now)


async def load_visible(session: AsyncSession, principal: Principal, code: str) -> Dossier:
    """The dossier of ``code`` if the principal may see it: ``dossier:view`` and one of the
    dossier's units (receiving, competent, returning, current or a step's) in their scope. The
    right is checked before the dossier is read and a dossier outside the scope is answered as an
    unknown code, so no answer depends on whether a dossier the caller may not see exists."""
    principal.require(Right.DOSSIER_VIEW)
    d = await load(session, code)
    await require_sees(session, principal, d)
    return d


async def summary(
    session: AsyncSession, d: Dossier, *, personal: bool, now: dt.datetime
) -> dict[str, Any]:
    """Fields shared by the list and the detail (as keyword arguments of the models)."""
    proc = await lookups.procedure_by_id(session, d.procedure_id)
    units = await lookups.units_by_ids(
        session, [d.receiving_unit_id, d.competent_unit_id, d.current_unit_id]
    )
    status = Status(d.status)
    return {
        "code": d.code,
        "status": int(status),
        "state": status.state,
        "status_label": status.label_vi,
        "channel": d.channel,
        "procedure": ProcedureRef(code=proc.code, name=proc.name, field=proc.field),
        "applicant_name": d.applicant_name if personal else mask(d.applicant_name),
        "receiving_unit": unit_brief(units[d.receiving_unit_id]),
        "competent_unit": unit_brief(units[d.competent_unit_id]),
        "current_unit": unit_brief(units[d.current_unit_id]) if d.current_unit_id else None,
        "submitted_at": d.submitted_at,
        "received_at": d.received_at,
        "due_at": d.due_at,
        "finished_at": d.finished_at,
        "returned_at": d.returned_at,
        "overdue": is_overdue(d, now),
        "late_to_accept": is_late_to_accept(d, now),
    }


def to_summary(fields: dict[str, Any]) -> DossierSummary:
    return DossierSummary(**fields)


async def _usernames(session: AsyncSession, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = await session.execute(select(User.id, User.username).where(User.id.in_(ids)))
    return {r[0]: r[1] for r in rows}


def _step_read(
    s: DossierStep, units: dict[int, UnitInfo], names: dict[int, str]
) -> DossierStepRead:
    return DossierStepRead(
        seq=s.seq,
        name=s.name,
        kind=s.kind,
        unit=unit_brief(units[s.unit_id]),
        from_unit=unit_brief(units[s.from_unit_id]) if s.from_unit_id else None,
        handler=names.get(s.handler_id) if s.handler_id else None,
        handed_by=s.handed_by,
        started_at=s.started_at,
        budget_hours=float(s.budget_hours) if s.budget_hours is not None else None,
        due_at=s.due_at,
        ended_at=s.ended_at,
        outcome=s.outcome,
    )


async def detail(
    session: AsyncSession,
    d: Dossier,
    *,
    principal: Principal | None,
    now: dt.datetime,
    with_personal: bool = False,
) -> DossierRead:
    """The full dossier. ``with_personal`` adds the applicant's personal data (the caller checks
    the right and writes the audit entry)."""
    steps = list(
        (
            await session.execute(
                select(DossierStep).where(DossierStep.dossier_id == d.id).order_by(DossierStep.seq)
            )
        ).scalars()
    )
    pauses = list(
        (
            await session.execute(
                select(DossierPause)
                .where(DossierPause.dossier_id == d.id)
                .order_by(DossierPause.started_at)
            )
        ).scalars()
    )
    unit_ids: list[int | None] = [d.returning_unit_id]
    for s in steps:
        unit_ids += [s.unit_id, s.from_unit_id]
    units = await lookups.units_by_ids(session, unit_ids)
    names = await _usernames(
        session, {i for i in [d.handler_id, *(s.handler_id for s in steps)] if i is not None}
    )
    version = await lookups.version_of(session, d.procedure_id, d.procedure_version_id)
    personal_name = principal is None or principal.can(PERSONAL_RIGHT)
    base = await summary(session, d, personal=personal_name, now=now)
    step_reads = [_step_read(s, units, names) for s in steps]
    current = next(
        (
            r
            for r, s in zip(step_reads, steps, strict=True)
            if s.seq == d.current_step_seq and s.ended_at is None
        ),
        None,
    )
    return DossierRead(
        **base,
        portal_ref=d.portal_ref,
        procedure_version_id=d.procedure_version_id,
        time_limit=limit_read(version),
        returning_unit=unit_brief(units[d.returning_unit_id]),
        accept_due_at=d.accept_due_at,
        due_at_original=d.due_at_original,
        appointment_at=d.appointment_at,
        ended_at=d.ended_at,
        supplement_count=d.supplement_count,
        reception_supplement_count=d.reception_supplement_count,
        awaiting_supplement=d.awaiting_supplement,
        late_flag=d.late_flag,
        timing=d.timing,
        result=d.result,
        end_reason=d.end_reason,
        return_method=d.return_method,
        quantity=d.quantity,
        documents=[DossierDocumentRead(**doc) for doc in d.documents],
        fees=[DossierFeeRead(**f) for f in d.fees],
        fee_total=int(d.fee_total),
        handler=names.get(d.handler_id) if d.handler_id else None,
        current_step=current,
        steps=step_reads,
        pauses=[
            DossierPauseRead(kind=p.kind, started_at=p.started_at, ended_at=p.ended_at)
            for p in pauses
        ],
        allowed_actions=allowed_actions(d),
        calendar_fingerprint=d.calendar_fingerprint,
        due_explanation=await _explanation(session, d, pauses),
        applicant=ApplicantRead(
            name=d.applicant_name,
            kind=d.applicant_kind,
            id_number=d.applicant_id_number,
            phone=d.applicant_phone,
            email=d.applicant_email,
            address=d.applicant_address,
        )
        if with_personal
        else None,
        version=d.version,
    )


async def _explanation(
    session: AsyncSession, d: Dossier, pauses: list[DossierPause]
) -> dict[str, Any] | None:
    """How due_at was reached: counted from receipt with the pinned version's limit, the paused
    spans taken out (or the clock restarted), on the competent unit's calendar."""
    if d.received_at is None:
        return None
    version = await lookups.version_of(session, d.procedure_id, d.procedure_version_id)
    cal = await lookups.calendar_for(
        session, await lookups.unit_by_id(session, d.competent_unit_id)
    )
    spans = [(p.started_at, p.ended_at) for p in pauses if p.ended_at is not None]
    out = deadlines.explain(cal, d.received_at, version.limit, spans, version.supplement_policy)
    out["due_at_original"] = deadlines.iso(d.due_at_original)
    out["paused_since"] = next(
        (deadlines.iso(p.started_at) for p in pauses if p.ended_at is None), None
    )
    out["calendar_changed"] = cal.fingerprint != d.calendar_fingerprint
    return out


async def read(
    session: AsyncSession, *, principal: Principal, code: str, now: dt.datetime
) -> DossierRead:
    """``GET /dossiers/{code}``: personal data only with the right, and every such view is
    written to the audit log (committed)."""
    d = await load_visible(session, principal, code)
    personal = principal.can(PERSONAL_RIGHT)
    result = await detail(session, d, principal=principal, now=now, with_personal=personal)
    if personal:
        audit.record(
            session,
            actor=principal.actor,
            action="view-personal-data",
            object_type="dossier",
            object_id=d.code,
            detail={"fields": ["id_number", "phone", "email", "address"]},
        )
        await session.commit()
    return result


async def events(
    session: AsyncSession, *, principal: Principal, code: str
) -> list[DossierEventRead]:
    d = await load_visible(session, principal, code)
    rows = list(
        (
            await session.execute(
                select(DossierEvent)
                .where(DossierEvent.dossier_id == d.id)
                .order_by(DossierEvent.seq)
            )
        ).scalars()
    )
    units = await lookups.units_by_ids(session, [e.unit_id for e in rows])
    return [
        DossierEventRead(
            seq=e.seq,
            type=e.type,
            at=e.at,
            recorded_at=e.recorded_at,
            actor=e.actor,
            unit=units[e.unit_id].code if e.unit_id else None,
            from_status=e.from_status,
            to_status=e.to_status,
            payload=e.payload,
        )
        for e in rows
    ]


def public_code(code: str) -> set[str]:
    """The stored forms a citizen's typed dossier code may have: as typed, and in capitals with
    no spaces (``000.00.01.h99 - 260226-0001`` → ``000.00.01.H99-260226-0001``)."""
    return {code.strip(), "".join(code.split()).upper()}


async def by_public_code(session: AsyncSession, code: str) -> Dossier | None:
    """The dossier a citizen's typed code names (any case, stray spaces ignored)."""
    rows = (
        (await session.execute(select(Dossier).where(Dossier.code.in_(public_code(code)))))
        .scalars()
        .all()
    )
    exact = [d for d in rows if d.code == code.strip()]
    found = exact or list(rows)
    return found[0] if found else None


#: Events a citizen sees on the progress timeline, in plain kinds (``PublicProgress.kind``).
PUBLIC_EVENTS = {
    "submit": "submitted",
    "receive": "received",
    "accept": "received",
    "refuse": "refused",
    "request-supplement": "supplement",
    "supplement-received": "supplement_received",
    "request-payment": "payment",
    "payment-received": "payment_received",
    "apologize": "reappointed",
    "finish": "result_ready",
    "return": "returned",
    "withdraw": "withdrawn",
    "stop": "stopped",
}
#: Steps that are "being processed at <unit>" (reception and return are events of their own).
PROCESSING_STEPS = frozenset({"competent", "coordinating", "transfer", "inter_agency"})


async def _public_progress(session: AsyncSession, d: Dossier) -> list[PublicProgress]:
    events = (
        await session.execute(
            select(
                DossierEvent.seq,
                DossierEvent.type,
                DossierEvent.at,
                DossierEvent.unit_id,
                DossierEvent.payload,
            )
            .where(DossierEvent.dossier_id == d.id)
            .order_by(DossierEvent.seq)
        )
    ).all()
    steps = (
        await session.execute(
            select(DossierStep.seq, DossierStep.kind, DossierStep.unit_id, DossierStep.started_at)
            .where(DossierStep.dossier_id == d.id)
            .order_by(DossierStep.seq)
        )
    ).all()
    unit_ids = {e.unit_id for e in events if e.unit_id} | {s.unit_id for s in steps}
    units = await lookups.units_by_ids(session, sorted(unit_ids)) if unit_ids else {}

    def name(unit_id: int | None) -> str | None:
        unit = units.get(unit_id) if unit_id is not None else None
        return unit.name if unit is not None else None

    timed: list[tuple[dt.datetime, int, int, PublicProgress]] = []
    for e in events:
        kind = PUBLIC_EVENTS.get(e.type)
        if kind is None:
            continue
        payload = e.payload or {}
        again = payload.get("new_appointment_at") if kind == "reappointed" else None
        item = PublicProgress.model_validate(
            {"kind": kind, "at": e.at, "unit": name(e.unit_id), "new_appointment_at": again}
        )
        timed.append((e.at, 0, e.seq, item))
    for st in steps:
        if st.kind in PROCESSING_STEPS:
            item = PublicProgress(kind="processing", at=st.started_at, unit=name(st.unit_id))
            timed.append((st.started_at, 1, st.seq, item))
    timed.sort(key=lambda t: (t[0], t[1], t[2]))
    out: list[PublicProgress] = []
    for *_, item in timed:
        last = out[-1] if out else None
        if (
            last
            and item.kind == "processing"
            and last.kind == "processing"
            and last.unit == item.unit
        ):
            continue  # the next internal step at the same agency: still "being processed there"
        out.append(item)
    return out


async def public(session: AsyncSession, *, code: str, secret: str) -> PublicDossier:
    """The citizen's lookup. An unknown code and a wrong secret get the very same 404. The code
    and the secret are accepted in any case and with the spaces or dashes they are printed with."""
    d = await by_public_code(session, code)
    if d is None or not secret or not secret_matches(d.secret_hash, secret):
        raise NotFound(
            "Không tìm thấy hồ sơ với mã và mã tra cứu này (no dossier with this code and secret)",
            code="dossier-lookup-failed",
        )
    proc = await lookups.procedure_by_id(session, d.procedure_id)
    returning = await lookups.unit_by_id(session, d.returning_unit_id)
    status = Status(d.status)
    agency = (
        await session.execute(
            select(Unit.name, Unit.address, Unit.hotline).where(Unit.id == d.receiving_unit_id)
        )
    ).one_or_none()
    return PublicDossier(
        code=d.code,
        status=int(status),
        status_label=status.label_vi,
        procedure=proc.name,
        applicant_name=mask(d.applicant_name),
        received_at=d.received_at,
        appointment_at=d.appointment_at,
        finished_at=d.finished_at,
        returned_at=d.returned_at,
        return_method=d.return_method,
        collect_at=unit_brief(returning),
        agency=(
            PublicAgency(name=agency.name, address=agency.address, hotline=agency.hotline)
            if agency is not None
            else None
        ),
        progress=await _public_progress(session, d),
    )
