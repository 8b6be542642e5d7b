"""Rows of the worklists: what the page shows per dossier (step, handler, apology, working time).

Working time is computed here, for the rows of one page only, on the calendar its deadline was
counted on (the competent unit's; the receiving unit's for acceptance; a step's own unit for a
step's overrun). A page costs a fixed number of queries
whatever its length: units, procedures and calendars come from cached snapshots.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from onestop.auth.models import User
from onestop.catalog import lookups, snapshots
from onestop.catalog.schemas import ProcedureRef
from onestop.core.clock import LOCAL_TZ
from onestop.dossiers.intake.prepare import unit_brief
from onestop.dossiers.models import DossierStep
from onestop.dossiers.names import mask
from onestop.dossiers.states import Status
from onestop.metrics.worklists.schemas import StepRef, WorkingTime, WorklistItem
from onestop.worktime import Calendar

HOUR = dt.timedelta(hours=1)


def working(delta: dt.timedelta | None) -> WorkingTime | None:
    w = _working(delta)
    return WorkingTime(**w) if w is not None else None


def span(cal: Calendar, a: dt.datetime, b: dt.datetime) -> dt.timedelta | None:
    try:
        return cal.working_time_between(a, b)
    except ValueError:
        return None


async def between(
    session: AsyncSession, unit_id: int, a: dt.datetime, b: dt.datetime
) -> dt.timedelta | None:
    """Working time from ``a`` to ``b`` on the unit's calendar (None outside the calendar)."""
    cal = await lookups.calendar_for(session, await lookups.unit_by_id(session, unit_id))
    return span(cal, a, b)


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


async def calendars(session: AsyncSession, unit_ids: Iterable[int]) -> dict[int, Calendar]:
    """Each unit's calendar, built once per group of units sharing province and hours."""
    tree = await snapshots.tree(session)
    out: dict[int, Calendar] = {}
    for uid in set(unit_ids):
        same = tree.calendar_unit.get(uid, uid)
        out[uid] = await lookups.calendar_for(session, await lookups.unit_by_id(session, same))
    return out


def _local(at: dt.datetime | None) -> dt.datetime | None:
    return at.astimezone(LOCAL_TZ) if at is not None else None


def _unit(u: lookups.UnitInfo) -> dict[str, Any]:
    return {"code": u.code, "name": u.name, "address": u.address}


def _working(delta: dt.timedelta | None) -> dict[str, float] | None:
    if delta is None:
        return None
    hours = delta / HOUR
    return {"hours": round(hours, 2), "days": round(hours / 8, 2)}


async def item_dicts(
    session: AsyncSession,
    rows: Sequence[Mapping[str, Any]],
    *,
    as_of: dt.datetime,
    personal: bool,
) -> list[dict[str, Any]]:
    """The page's rows (``worklists.statements.page``, which joins the open step, its handler and
    the last apology) as ``WorklistItem``'s fields, in its order, instants in local time: written
    to JSON as they are (``worklists.service.WorklistPage.as_json``) or validated into models for
    the exports. Units, procedures and calendars come from the snapshots: no query per row."""
    procedures = await snapshots.procedure_refs(session, {d["procedure_id"] for d in rows})
    cals = await calendars(session, [_deadline_unit(d) for d in rows])
    held = ("receiving_unit_id", "competent_unit_id", "step_unit_id")
    units = await lookups.units_by_ids(session, [d[k] for d in rows for k in held])
    briefs = {i: _unit(u) for i, u in units.items()}
    refs = {i: p.model_dump() for i, p in procedures.items()}
    out: list[dict[str, Any]] = []
    for d in rows:
        deadline_at = d["deadline_at"]
        cal = cals[_deadline_unit(d)]
        if deadline_at < as_of:  # every row of the overdue list, none of the due-soon one
            left, late = None, span(cal, deadline_at, as_of)
        else:
            left, late = span(cal, as_of, deadline_at), None
        has_apology = d["apology_dossier_id"] is not None
        status = Status(d["status"])
        out.append(
            {
                "code": d["code"],
                "status": int(status),
                "status_label": status.label_vi,
                "procedure": refs[d["procedure_id"]],
                "applicant_name": d["applicant_name"] if personal else mask(d["applicant_name"]),
                "receiving_unit": briefs[d["receiving_unit_id"]],
                "competent_unit": briefs[d["competent_unit_id"]],
                "current_step": _joined_step(d, briefs),
                "deadline": d["deadline"],
                "deadline_at": _local(deadline_at),
                "due_at": _local(d["due_at"]),
                "accept_due_at": _local(d["accept_due_at"]),
                "due_at_original": _local(d["due_at_original"]),
                "appointment_at": _local(d["appointment_at"]),
                "working_time_left": _working(left),
                "working_time_late": _working(late),
                "apology": _joined_apology(d),
                "late_again": bool(
                    has_apology and d["appointment_at"] is not None and d["appointment_at"] < as_of
                ),
            }
        )
    return out


def _deadline_unit(d: Mapping[str, Any]) -> int:
    """The unit whose calendar counted the item's deadline: the receiving unit's for acceptance
    (``intake.prepare``), the competent unit's for resolution."""
    return int(d["receiving_unit_id" if d["deadline"] == "acceptance" else "competent_unit_id"])


async def items(
    session: AsyncSession,
    rows: Sequence[Any],
    *,
    as_of: dt.datetime,
    personal: bool,
) -> list[WorklistItem]:
    """``item_dicts`` as models (the CSV / XLSX exports)."""
    dicts = await item_dicts(session, rows, as_of=as_of, personal=personal)
    return [WorklistItem.model_validate(d) for d in dicts]


def _joined_step(d: Any, briefs: dict[int, dict[str, Any]]) -> dict[str, Any] | None:
    if d["step_seq"] is None:
        return None
    budget = d["step_budget_hours"]
    return {
        "seq": d["step_seq"],
        "name": d["step_name"],
        "unit": briefs[d["step_unit_id"]],
        "handler": d["step_handler"],
        "handler_name": d["step_handler_name"],
        "started_at": _local(d["step_started_at"]),
        "budget_hours": None if budget is None else float(budget),
        "due_at": _local(d["step_due_at"]),
    }


def _joined_apology(d: Any) -> dict[str, Any]:
    if d["apology_dossier_id"] is None:
        return {"status": "none", "letter_number": None, "issued_at": None,
                "new_appointment_at": None}  # fmt: skip
    return {
        "status": "on_time" if d["apology_on_time"] else "late",
        "letter_number": d["apology_letter_number"],
        "issued_at": _local(d["apology_issued_at"]),
        "new_appointment_at": _local(d["apology_new_appointment_at"]),
    }
