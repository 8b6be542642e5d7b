"""Rows of the worklists: what the page shows per dossier (step, handler, apology, working time).

Working time is computed here, for the rows of one page only, on each dossier's calendar (the
competent unit's; a step's own unit for a step's overrun).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from onestop.auth.models import User
from onestop.dossiers import lookups
from onestop.dossiers.intake import unit_brief
from onestop.dossiers.models import Dossier, DossierStep
from onestop.dossiers.models_apology import Apology
from onestop.dossiers.names import mask
from onestop.dossiers.schemas import ProcedureRef
from onestop.dossiers.states import Status
from onestop.metrics.schemas_worklists import (
    ApologyStatus,
    StepRef,
    WorkingTime,
    WorklistItem,
)
from onestop.metrics.worklists import Kind

HOUR = dt.timedelta(hours=1)


def working(delta: dt.timedelta | None) -> WorkingTime | None:
    if delta is None:
        return None
    hours = delta / HOUR
    return WorkingTime(hours=round(hours, 2), days=round(hours / 8, 2))


async def between(
    session: AsyncSession, unit_id: int, a: dt.datetime, b: dt.datetime
) -> dt.timedelta | None:
    """Working time from ``a`` to ``b`` on the unit's calendar (None outside the calendar)."""
    cal = await lookups.calendar_for(session, await lookups.unit_by_id(session, unit_id))
    try:
        return cal.working_time_between(a, b)
    except ValueError:
        return None


async def procedure_ref(session: AsyncSession, procedure_id: int) -> ProcedureRef:
    proc = await lookups.procedure_by_id(session, procedure_id)
    return ProcedureRef(code=proc.code, name=proc.name, field=proc.field)


async def users(session: AsyncSession, ids: Iterable[int | None]) -> dict[int, tuple[str, str]]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    rows = await session.execute(
        select(User.id, User.username, User.full_name).where(User.id.in_(sorted(wanted)))
    )
    return {r[0]: (r[1], r[2]) for r in rows}


async def step_ref(
    session: AsyncSession, s: DossierStep, names: dict[int, tuple[str, str]]
) -> StepRef:
    handler = names.get(s.handler_id) if s.handler_id is not None else None
    return StepRef(
        seq=s.seq,
        name=s.name,
        unit=unit_brief(await lookups.unit_by_id(session, s.unit_id)),
        handler=handler[0] if handler else None,
        handler_name=handler[1] if handler else None,
        started_at=s.started_at,
        budget_hours=float(s.budget_hours) if s.budget_hours is not None else None,
        due_at=s.due_at,
    )


async def latest_apologies(session: AsyncSession, dossier_ids: list[int]) -> dict[int, Apology]:
    if not dossier_ids:
        return {}
    rows = await session.execute(
        select(Apology).where(Apology.dossier_id.in_(dossier_ids)).order_by(Apology.number)
    )
    return {a.dossier_id: a for a in rows.scalars()}  # the last number wins


def apology_status(a: Apology | None) -> ApologyStatus:
    if a is None:
        return ApologyStatus(status="none")
    return ApologyStatus(
        status="on_time" if a.on_time else "late",
        letter_number=a.letter_number,
        issued_at=a.issued_at,
        new_appointment_at=a.new_appointment_at,
    )


async def items(
    session: AsyncSession,
    kind: Kind,
    rows: Sequence[Dossier],
    *,
    as_of: dt.datetime,
    personal: bool,
) -> list[WorklistItem]:
    ids = [d.id for d in rows]
    steps: dict[int, DossierStep] = {}
    if ids:
        found = await session.execute(
            select(DossierStep).where(
                DossierStep.dossier_id.in_(ids), DossierStep.ended_at.is_(None)
            )
        )
        for s in found.scalars():
            steps[s.dossier_id] = s
    names = await users(
        session, [d.handler_id for d in rows] + [s.handler_id for s in steps.values()]
    )
    apologies = await latest_apologies(session, ids)
    out: list[WorklistItem] = []
    for d in rows:
        assert d.due_at is not None
        units = await lookups.units_by_ids(session, [d.receiving_unit_id, d.competent_unit_id])
        step = steps.get(d.id)
        if step is not None and step.seq != d.current_step_seq:
            step = None
        if kind == "overdue":
            left, late = None, await between(session, d.competent_unit_id, d.due_at, as_of)
        else:
            left, late = await between(session, d.competent_unit_id, as_of, d.due_at), None
        apology = apologies.get(d.id)
        status = Status(d.status)
        out.append(
            WorklistItem(
                code=d.code,
                status=int(status),
                status_label=status.label_vi,
                procedure=await procedure_ref(session, d.procedure_id),
                applicant_name=d.applicant_name if personal else mask(d.applicant_name),
                receiving_unit=unit_brief(units[d.receiving_unit_id]),
                competent_unit=unit_brief(units[d.competent_unit_id]),
                current_step=await step_ref(session, step, names) if step else None,
                due_at=d.due_at,
                due_at_original=d.due_at_original,
                appointment_at=d.appointment_at,
                working_time_left=working(left),
                working_time_late=working(late),
                apology=apology_status(apology),
                late_again=bool(
                    apology is not None
                    and d.appointment_at is not None
                    and d.appointment_at < as_of
                ),
            )
        )
    return out
