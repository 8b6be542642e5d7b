"""Step warnings: an open step past its own budget while the dossier is still on time.

It is an internal KPI for the step's unit (Form 06 row "quá hạn", docs/rules.md §7.3), never a
citizen-facing overdue: the dossier itself is not on the overdue list. Scope and the ``unit`` filter
apply to the step's unit. Served by ``ix_dossier_step_open_unit_due`` (unit_id, due_at) WHERE
ended_at IS NULL.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from onestop.catalog import lookups
from onestop.core.clock import LOCAL_TZ
from onestop.dossiers.intake.prepare import unit_brief
from onestop.dossiers.models import Dossier, DossierStep
from onestop.dossiers.names import mask
from onestop.dossiers.states import Status
from onestop.metrics.worklists.query import (
    Resolved,
    after,
    decode_position,
    encode_position,
    in_ids,
)
from onestop.metrics.worklists.rows import between, procedure_ref, step_ref, users, working
from onestop.metrics.worklists.schemas import StepWarningItem


async def page(
    session: AsyncSession,
    r: Resolved,
    as_of: dt.datetime,
    *,
    limit: int,
    cursor: str | None,
    personal: bool,
) -> tuple[list[StepWarningItem], str | None]:
    s, d = DossierStep, Dossier
    stmt = (
        select(s, d)
        .join(d, d.id == s.dossier_id)
        .where(
            s.ended_at.is_(None),
            s.due_at < as_of,
            d.ended_at.is_(None),
            d.status != int(Status.SUPPLEMENT_REQUESTED),
            d.due_at >= as_of,
        )
    )
    if r.unit_ids is not None:
        stmt = stmt.where(in_ids(s.unit_id, r.unit_ids))
    if r.step_unit_id is not None:
        stmt = stmt.where(s.unit_id == r.step_unit_id)
    if r.procedure_id is not None:
        stmt = stmt.where(d.procedure_id == r.procedure_id)
    if r.officer_id is not None:
        stmt = stmt.where(s.handler_id == r.officer_id)
    pos = decode_position(cursor)
    if pos is not None:
        stmt = stmt.where(after(s.due_at, s.id, pos))
    rows = list((await session.execute(stmt.order_by(s.due_at, s.id).limit(limit + 1))).all())
    more = len(rows) > limit
    rows = rows[:limit]
    dues = [(step, dossier, step.due_at, dossier.due_at) for step, dossier in rows]
    out = await items(session, dues, as_of, personal=personal)
    last = rows[-1][0] if rows else None
    nxt = encode_position(last.due_at, last.id) if more and last and last.due_at else None
    return out, nxt


#: A step, its dossier, and their due instants at ``as_of`` (those of the rows, unless judged
#: from history: ``history.step_page``).
Due = tuple[DossierStep, Dossier, dt.datetime | None, dt.datetime | None]


async def items(
    session: AsyncSession, rows: Sequence[Due], as_of: dt.datetime, *, personal: bool
) -> list[StepWarningItem]:
    names = await users(session, [row[0].handler_id for row in rows])
    out: list[StepWarningItem] = []
    for step, dossier, step_due, dossier_due in rows:
        assert step_due is not None and dossier_due is not None
        competent = await lookups.unit_by_id(session, dossier.competent_unit_id)
        ref = (await step_ref(session, step, names)).model_copy(
            update={"due_at": step_due.astimezone(LOCAL_TZ)}  # as ``Instant`` shows it
        )
        out.append(
            StepWarningItem(
                code=dossier.code,
                procedure=await procedure_ref(session, dossier.procedure_id),
                applicant_name=dossier.applicant_name if personal else mask(dossier.applicant_name),
                competent_unit=unit_brief(competent),
                step=ref,
                working_time_over=working(await between(session, step.unit_id, step_due, as_of)),
                dossier_due_at=dossier_due,
                dossier_working_time_left=working(
                    await between(session, dossier.competent_unit_id, as_of, dossier_due)
                ),
            )
        )
    return out
