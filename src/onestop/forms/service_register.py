"""Form 07 (Sổ theo dõi hồ sơ): the register of dossiers a unit received in a period."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from onestop.auth.principal import Principal
from onestop.auth.rights import Right
from onestop.catalog.lookups import procedure_by_id, unit_by_code, units_by_ids
from onestop.core import clock
from onestop.core.errors import InvalidInput
from onestop.dossiers.models import Dossier
from onestop.forms.contexts import RegisterContext, RegisterRow
from onestop.forms.service import governing_body, units_with_ancestors

MAX_REGISTER_DAYS = 366


async def register(
    session: AsyncSession, *, principal: Principal, unit_code: str, start: dt.date, end: dt.date
) -> RegisterContext:
    """Form 07: dossiers received by a unit in a period of local dates (inclusive, ≤ 1 year).
    The register names the applicants with their addresses and phones: printing it takes the
    right to see personal data as well as the right to print."""
    principal.require(Right.FORM_PRINT)
    principal.require(Right.PERSONAL_DATA_VIEW)
    if start > end:
        raise InvalidInput(
            "Từ ngày phải trước đến ngày (from must not be after to)", code="invalid-period"
        )
    if (end - start).days >= MAX_REGISTER_DAYS:
        raise InvalidInput(
            "Kỳ sổ theo dõi tối đa một năm (the period is longer than a year)",
            code="period-too-long",
        )
    unit = await unit_by_code(session, unit_code)
    principal.require_unit(unit.path, unit.code)
    lo = dt.datetime.combine(start, dt.time(), clock.LOCAL_TZ)
    hi = dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), clock.LOCAL_TZ)
    dossiers = (
        (
            await session.execute(
                select(Dossier)
                .where(
                    Dossier.receiving_unit_id == unit.id,
                    Dossier.received_at >= lo,
                    Dossier.received_at < hi,
                )
                .order_by(Dossier.received_at, Dossier.id)
            )
        )
        .scalars()
        .all()
    )
    units = await units_by_ids(session, list({d.competent_unit_id for d in dossiers} | {unit.id}))
    units.update(await units_with_ancestors(session, unit.id))
    names = {}
    for d in dossiers:
        if d.procedure_id not in names:
            names[d.procedure_id] = (await procedure_by_id(session, d.procedure_id)).name
    rows = tuple(
        RegisterRow(
            dossier_code=d.code,
            procedure_name=names[d.procedure_id],
            sets=d.quantity,
            applicant_name=d.applicant_name,
            competent_unit=units[d.competent_unit_id].name,
            received_at=d.received_at or d.submitted_at,
            appointment_at=d.appointment_at or d.due_at_original or d.submitted_at,
            applicant_address=d.applicant_address,
            applicant_phone=d.applicant_phone,
            result_received_at=d.finished_at,
            returned_at=d.returned_at,
        )
        for d in dossiers
    )
    return RegisterContext(
        governing_body=governing_body(unit, units).upper(),
        unit_name=unit.name,
        period_from=start,
        period_to=end,
        printed_at=clock.now(),
        rows=rows,
    )
