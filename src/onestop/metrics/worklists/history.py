"""The overdue and due-soon lists as of an instant in the past, judged from the dossiers' history.

The current lists (``statements``) read each dossier as it stands now: ``ended_at``, ``status``
and ``due_at``. For an ``as_of`` before now that state may be later than the instant asked about:
a dossier overdue on 30/09 and finished in October is closed now, one waiting for a supplement
then may run now, and a supplement received since has moved its due instant. So a past ``as_of``
is judged from what the dossier was at that instant (judged, not refused: the event history is
append-only and carries every instant it needs):

* open then: received by ``as_of`` (``received_at``) and not ended by then (``ended_at`` NULL or
  later; a closing status is final, so the row tells when the dossier closed);
* its clock ran then: the status of its last event at or before ``as_of`` (``dossier_event``,
  ordered by ``seq``) is open and not 5, supplement requested;
* its due instant then: the ``due_at`` of the last event at or before ``as_of`` that set it —
  the receipt (``receive`` / ``accept``), then each ``supplement-received`` (which moved it by the
  pause) — and the appointment told to the applicant likewise (an ``apologize`` sets a new one);
* late for acceptance then (overdue list): submitted by ``as_of`` and still waiting for
  acceptance then (its last event then left it in status 1, submitted), with its acceptance
  deadline (``accept_due_at``, set at submission and never moved) before ``as_of``;
* the step it was at then: the step open at ``as_of`` (``dossier_step`` started / ended), with
  the officer last assigned to it; the apology shown is the last one issued by ``as_of``;
* step warnings: a step open then, past its own due instant then (counted again without the
  pauses that ended after ``as_of``), while the dossier ran and was on time then.

Units, procedure and filters are matched as in the current lists, the step filters against the
step open then. The database narrows the candidates (received and not ended by ``as_of``;
``due_at_original`` before ``as_of``, or before the due-soon horizon: a due instant only ever
moves later), their events up to ``as_of`` are replayed here, and the list is ordered by the due
instant then, ``(deadline_at, id)``, and cut into pages with the same cursors. An ``as_of`` now or
later is the current list (``service`` chooses), which this module gives too when asked about now
(tests/metrics/test_worklists_as_of.py holds them to the same answer).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from onestop.auth.models import User
from onestop.catalog import lookups
from onestop.dossiers import deadlines
from onestop.dossiers.actions.apology.models import Apology
from onestop.dossiers.models import Dossier, DossierEvent, DossierPause, DossierStep
from onestop.dossiers.states import OPEN, EventType, Status
from onestop.metrics.worklists import steps
from onestop.metrics.worklists.query import (
    D,
    Horizon,
    Kind,
    Resolved,
    decode_position,
    encode_position,
    horizons,
    in_ids,
    takes_acceptance,
)
from onestop.metrics.worklists.schemas import StepWarningItem

#: Events that set the due instant (and the appointment with it) in their payload.
RECEIPTS = frozenset({EventType.RECEIVE, "accept"})
SUPPLEMENT_RECEIVED = "supplement-received"
APOLOGIZE = "apologize"
#: Statuses in which the clock runs (open, received, not waiting for a supplement).
RUNNING = frozenset(OPEN - {Status.SUBMITTED, Status.SUPPLEMENT_REQUESTED})


@dataclass
class Then:
    """A dossier as it stood at ``as_of``."""

    status: int
    due_at: dt.datetime | None
    appointment_at: dt.datetime | None


def _instant(text: Any) -> dt.datetime | None:
    if not isinstance(text, str):
        return None
    return dt.datetime.fromisoformat(text).astimezone(dt.UTC)


def project(events: Sequence[Mapping[Any, Any]]) -> Then | None:
    """The state after ``events`` (a dossier's events up to an instant, in ``seq`` order)."""
    if not events:
        return None
    due: dt.datetime | None = None
    appointment: dt.datetime | None = None
    for ev in events:
        payload = ev["payload"] or {}
        if ev["type"] in RECEIPTS and payload.get("due_at"):
            due = appointment = _instant(payload["due_at"])
        elif ev["type"] == SUPPLEMENT_RECEIVED and payload.get("due_at"):
            before = _instant(payload.get("due_at_before"))
            due = _instant(payload["due_at"])
            if appointment is None or appointment == before:
                appointment = due
        elif ev["type"] == APOLOGIZE and payload.get("new_appointment_at"):
            appointment = _instant(payload["new_appointment_at"])
    return Then(int(events[-1]["to_status"]), due, appointment)


def _candidates(r: Resolved, kind: Kind, as_of: dt.datetime, groups: list[Horizon]) -> Any:
    d, s = D.c, DossierStep.__table__.c
    conditions: list[Any] = [
        d.received_at <= as_of,
        or_(d.ended_at.is_(None), d.ended_at > as_of),
        d.due_at_original.is_not(None),
    ]
    if kind == "overdue":
        conditions.append(d.due_at_original < as_of)
    else:
        latest = max((g.until for g in groups), default=as_of)
        conditions.append(d.due_at_original <= latest)
    held_steps = select(s.dossier_id)
    if r.unit_ids is not None:
        stepped = held_steps.where(in_ids(s.unit_id, r.unit_ids))
        conditions.append(
            or_(
                in_ids(d.competent_unit_id, r.unit_ids),
                in_ids(d.receiving_unit_id, r.unit_ids),
                d.id.in_(stepped),
            )
        )
    if r.procedure_id is not None:
        conditions.append(d.procedure_id == r.procedure_id)
    if r.step_unit_id is not None:
        conditions.append(d.id.in_(held_steps.where(s.unit_id == r.step_unit_id)))
    if r.officer_id is not None:
        conditions.append(d.id.in_(held_steps.where(s.handler_id == r.officer_id)))
    columns = (
        d.id,
        d.code,
        d.procedure_id,
        d.applicant_name,
        d.receiving_unit_id,
        d.competent_unit_id,
        d.due_at_original,
        d.accept_due_at,
    )
    return select(*columns).where(*conditions)


def _acceptance_candidates(r: Resolved, as_of: dt.datetime) -> Any:
    """Dossiers that may have been waiting for acceptance at ``as_of`` past their deadline:
    submitted by then, not received nor ended by then, acceptance due before it."""
    d = D.c
    conditions: list[Any] = [
        d.submitted_at <= as_of,
        d.accept_due_at < as_of,
        or_(d.received_at.is_(None), d.received_at > as_of),
        or_(d.ended_at.is_(None), d.ended_at > as_of),
    ]
    if r.unit_ids is not None:  # before acceptance the receiving unit holds it (no step)
        conditions.append(
            or_(in_ids(d.competent_unit_id, r.unit_ids), in_ids(d.receiving_unit_id, r.unit_ids))
        )
    if r.procedure_id is not None:
        conditions.append(d.procedure_id == r.procedure_id)
    columns = (
        d.id,
        d.code,
        d.procedure_id,
        d.applicant_name,
        d.receiving_unit_id,
        d.competent_unit_id,
        d.due_at_original,
        d.accept_due_at,
    )
    return select(*columns).where(*conditions)


async def _events(
    session: AsyncSession, ids: list[int], as_of: dt.datetime
) -> dict[int, list[Mapping[Any, Any]]]:
    e = DossierEvent.__table__.c
    out: dict[int, list[Mapping[Any, Any]]] = {i: [] for i in ids}
    for chunk in _chunks(ids):
        rows = await session.execute(
            select(e.dossier_id, e.seq, e.type, e.to_status, e.payload)
            .where(e.dossier_id.in_(chunk), e.at <= as_of)
            .order_by(e.dossier_id, e.seq)
        )
        for row in rows:
            out[row.dossier_id].append(row._mapping)
    return out


async def _steps(
    session: AsyncSession, ids: list[int], as_of: dt.datetime
) -> dict[int, Mapping[Any, Any]]:
    """The step each dossier was at, at ``as_of`` (the latest started by then and not ended)."""
    s, u = DossierStep.__table__.c, User.__table__.c
    out: dict[int, Mapping[Any, Any]] = {}
    for chunk in _chunks(ids):
        rows = await session.execute(
            select(
                s.dossier_id,
                s.seq.label("step_seq"),
                s.name.label("step_name"),
                s.unit_id.label("step_unit_id"),
                s.handler_id.label("step_handler_id"),
                s.started_at.label("step_started_at"),
                s.budget_hours.label("step_budget_hours"),
                s.due_at.label("step_due_at"),
                u.username.label("step_handler"),
                u.full_name.label("step_handler_name"),
            )
            .select_from(DossierStep.__table__.outerjoin(User.__table__, u.id == s.handler_id))
            .where(
                s.dossier_id.in_(chunk),
                s.started_at <= as_of,
                or_(s.ended_at.is_(None), s.ended_at > as_of),
            )
            .order_by(s.dossier_id, s.seq)
        )
        for row in rows:
            out[row.dossier_id] = row._mapping  # the last open one wins
    return out


async def _apologies(
    session: AsyncSession, ids: list[int], as_of: dt.datetime
) -> dict[int, Mapping[Any, Any]]:
    """The last apology each dossier had been given by ``as_of``."""
    a = Apology.__table__.c
    out: dict[int, Mapping[Any, Any]] = {}
    for chunk in _chunks(ids):
        rows = await session.execute(
            select(
                a.dossier_id.label("apology_dossier_id"),
                a.on_time.label("apology_on_time"),
                a.letter_number.label("apology_letter_number"),
                a.issued_at.label("apology_issued_at"),
                a.new_appointment_at.label("apology_new_appointment_at"),
            )
            .where(a.dossier_id.in_(chunk), a.issued_at <= as_of)
            .order_by(a.dossier_id, a.number)
        )
        for row in rows:
            out[row.apology_dossier_id] = row._mapping
    return out


CHUNK = 5_000


def _chunks(ids: list[int]) -> list[list[int]]:
    return [ids[i : i + CHUNK] for i in range(0, len(ids), CHUNK)]


NO_STEP = dict.fromkeys(
    (
        "step_seq",
        "step_name",
        "step_unit_id",
        "step_handler_id",
        "step_started_at",
        "step_budget_hours",
        "step_due_at",
        "step_handler",
        "step_handler_name",
    )
)
NO_APOLOGY = dict.fromkeys(
    (
        "apology_dossier_id",
        "apology_on_time",
        "apology_letter_number",
        "apology_issued_at",
        "apology_new_appointment_at",
    )
)


def _on_list(
    kind: Kind, then: Then, competent: int, as_of: dt.datetime, until: dict[int, dt.datetime]
) -> bool:
    if then.status not in RUNNING or then.due_at is None:
        return False
    if kind == "overdue":
        return then.due_at < as_of
    horizon = until.get(competent)
    return horizon is not None and as_of <= then.due_at <= horizon


def _in_scope(r: Resolved, row: Mapping[Any, Any], step: Mapping[Any, Any]) -> bool:
    if r.unit_ids is not None and not (
        row["competent_unit_id"] in r.unit_ids
        or row["receiving_unit_id"] in r.unit_ids
        or step["step_unit_id"] in r.unit_ids
    ):
        return False
    if r.step_unit_id is not None and step["step_unit_id"] != r.step_unit_id:
        return False
    return r.officer_id is None or step["step_handler_id"] == r.officer_id


async def judged(
    session: AsyncSession, kind: Kind, r: Resolved, as_of: dt.datetime
) -> list[dict[str, Any]]:
    """Every dossier on the list at ``as_of``, as the current lists' rows (the columns
    ``rows.item_dicts`` reads), in urgency order ``(deadline_at, id)``."""
    groups = await horizons(session, as_of) if kind == "due_soon" else []
    until = {uid: g.until for g in groups for uid in g.unit_ids}
    candidates = (await session.execute(_candidates(r, kind, as_of, groups))).all()
    waiting: Sequence[Any] = []
    if takes_acceptance(kind, r):
        waiting = (await session.execute(_acceptance_candidates(r, as_of))).all()
    ids = [c.id for c in candidates] + [c.id for c in waiting]
    events = await _events(session, ids, as_of)
    steps = await _steps(session, ids, as_of)
    apologies = await _apologies(session, ids, as_of)
    out: list[dict[str, Any]] = []
    for c in candidates:
        then = project(events[c.id])
        if then is None or not _on_list(kind, then, c.competent_unit_id, as_of, until):
            continue
        step = steps.get(c.id, NO_STEP)
        if not _in_scope(r, c._mapping, step):
            continue
        out.append(
            {
                **c._mapping,
                **step,
                **apologies.get(c.id, NO_APOLOGY),
                "status": then.status,
                "current_step_seq": step["step_seq"],
                "due_at": then.due_at,
                "appointment_at": then.appointment_at,
                "deadline_at": then.due_at,
                "deadline": "resolution",
            }
        )
    out += _late_for_acceptance(waiting, events)
    out.sort(key=lambda row: (row["deadline_at"], row["id"]))
    return out


def _late_for_acceptance(
    waiting: Sequence[Any], events: dict[int, list[Mapping[Any, Any]]]
) -> list[dict[str, Any]]:
    """The candidates still submitted at ``as_of`` (their events up to it), as list rows."""
    out: list[dict[str, Any]] = []
    for c in waiting:
        then = project(events[c.id])
        if then is None or then.status != Status.SUBMITTED:
            continue
        out.append(
            {
                **c._mapping,
                **NO_STEP,
                **NO_APOLOGY,
                "status": then.status,
                "current_step_seq": None,
                "due_at": None,
                "appointment_at": None,
                "deadline_at": c.accept_due_at,
                "deadline": "acceptance",
            }
        )
    return out


async def page(
    session: AsyncSession,
    kind: Kind,
    r: Resolved,
    as_of: dt.datetime,
    *,
    limit: int,
    cursor: str | None,
) -> tuple[list[dict[str, Any]], str | None]:
    """One page of the list at ``as_of`` and the cursor of the next (``statements.page``'s)."""
    rows = await judged(session, kind, r, as_of)
    pos = decode_position(cursor)
    if pos is not None:
        rows = [row for row in rows if (row["deadline_at"], row["id"]) > pos]
    more = len(rows) > limit
    rows = rows[:limit]
    nxt = encode_position(rows[-1]["deadline_at"], rows[-1]["id"]) if more and rows else None
    return rows, nxt


async def count(session: AsyncSession, kind: Kind, r: Resolved, as_of: dt.datetime) -> int:
    return len(await judged(session, kind, r, as_of))


# -- step warnings ---------------------------------------------------------------------------------
async def _pauses(
    session: AsyncSession, ids: list[int]
) -> dict[int, list[tuple[dt.datetime, dt.datetime | None]]]:
    p = DossierPause.__table__.c
    out: dict[int, list[tuple[dt.datetime, dt.datetime | None]]] = {i: [] for i in ids}
    for chunk in _chunks(ids):
        rows = await session.execute(
            select(p.dossier_id, p.started_at, p.ended_at)
            .where(p.dossier_id.in_(chunk))
            .order_by(p.dossier_id, p.started_at)
        )
        for row in rows:
            out[row.dossier_id].append((row.started_at, row.ended_at))
    return out


async def step_due_then(
    session: AsyncSession,
    step: DossierStep,
    pauses: list[tuple[dt.datetime, dt.datetime | None]],
    as_of: dt.datetime,
) -> dt.datetime | None:
    """The step's due instant at ``as_of``: the row's, unless a pause ended after ``as_of`` (the
    papers came back later and moved it); then counted again with the pauses over by ``as_of``
    alone, as ``supplement-received`` counts it."""
    if step.due_at is None or step.budget_hours is None:
        return step.due_at
    if all(end is None or end <= as_of for _start, end in pauses):
        return step.due_at
    spans = [(start, end) for start, end in pauses if end is not None and end <= as_of]
    cal = await lookups.calendar_for(session, await lookups.unit_by_id(session, step.unit_id))
    limit = deadlines.step_limit(step.budget_hours)
    return deadlines.due(cal, step.started_at, limit, spans, "pause")


async def step_page(
    session: AsyncSession,
    r: Resolved,
    as_of: dt.datetime,
    *,
    limit: int,
    cursor: str | None,
    personal: bool,
) -> tuple[list[StepWarningItem], str | None]:
    """Step warnings at a past ``as_of`` (``steps.page``'s): a step open then and past its own
    due instant then, while its dossier ran and was still on time then."""
    s, d = DossierStep, Dossier
    stmt = (
        select(s, d)
        .join(d, d.id == s.dossier_id)
        .where(
            s.started_at <= as_of,
            or_(s.ended_at.is_(None), s.ended_at > as_of),
            s.due_at.is_not(None),
            d.received_at <= as_of,
            or_(d.ended_at.is_(None), d.ended_at > as_of),
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
    candidates = [(row[0], row[1]) for row in (await session.execute(stmt)).all()]
    ids = sorted({dossier.id for _step, dossier in candidates})
    events = await _events(session, ids, as_of)
    pauses = await _pauses(session, ids)
    warned: list[steps.Due] = []
    for step, dossier in candidates:
        then = project(events[dossier.id])
        if then is None or then.status not in RUNNING or then.due_at is None:
            continue
        due = await step_due_then(session, step, pauses[dossier.id], as_of)
        if due is not None and due < as_of <= then.due_at:
            warned.append((step, dossier, due, then.due_at))
    warned.sort(key=lambda w: (w[2], w[0].id))
    pos = decode_position(cursor)
    if pos is not None:
        warned = [w for w in warned if (w[2], w[0].id) > pos]
    more = len(warned) > limit
    warned = warned[:limit]
    out = await steps.items(session, warned, as_of, personal=personal)
    last = warned[-1] if warned else None
    nxt = encode_position(last[2], last[0].id) if more and last and last[2] else None
    return out, nxt
