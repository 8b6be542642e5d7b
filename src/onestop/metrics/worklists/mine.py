""" "Việc của tôi" (my work): the open dossiers whose current step is assigned to the calling
officer, most urgent first, with how many are overdue, due soon, on track or paused.

Assignment is the open step's ``handler_id`` (``assign``, ``transfer`` with a handler, the
reception step of the clerk who received it), mirrored on the dossier row as ``handler_id`` next to
``current_step_seq`` (``dossiers.actions.steps``): the list reads the dossier row alone, through
``ix_dossier_open_handler_due`` (handler_id, due_at) WHERE ended_at IS NULL, in ``(due_at, id)``
order with the worklists' keyset cursor. A dossier is mine while it is open and at a step
(``current_step_seq`` set): a closed one, or one between steps, is nobody's work.

States, at the request's instant:

* paused: status 5, waiting for the applicant's supplement (the clock stands still; ``due_at`` will
  move when the papers come back);
* overdue: past ``due_at``;
* due soon: within the competent unit's due-soon window (``query.horizons``, as the due-soon list);
* on track: the rest.

Personal data is masked without ``personal-data:view``, as on every worklist (``rows``).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Mapping
from typing import Any

from sqlalchemy import bindparam, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from onestop.auth.principal import Principal
from onestop.auth.rights import Right
from onestop.core.errors import Forbidden
from onestop.dossiers.models import OPEN_PREDICATE
from onestop.dossiers.reading import PERSONAL_RIGHT
from onestop.dossiers.states import Status
from onestop.metrics.worklists import rows as worklists_rows
from onestop.metrics.worklists.query import (
    D,
    decode_position,
    encode_position,
    horizons,
    require_aware,
    with_details,
)
from onestop.metrics.worklists.schemas import MyWork, MyWorkCounts, MyWorkItem, WorkState
from onestop.metrics.worklists.service import WorklistPage
from onestop.metrics.worklists.statements import on_postgres, ordered, run

MINE_RIGHT = Right.DOSSIER_PROCESS


def _conditions() -> list[Any]:
    """Open, at a step assigned to ``handler_id`` (the predicate of the partial index first)."""
    d = D.c
    return [
        text(OPEN_PREDICATE),
        d.handler_id == bindparam("handler_id"),
        d.current_step_seq.is_not(None),
        d.due_at.is_not(None),
    ]


_pages: dict[tuple[bool, bool], Any] = {}
#: What the counts need of every dossier of mine (a few columns from the same index range).
STATES = select(D.c.status, D.c.due_at, D.c.competent_unit_id).where(*_conditions())


def _page_statement(pg: bool, cursor: bool) -> Any:
    stmt = _pages.get((pg, cursor))
    if stmt is None:
        page = ordered(_conditions(), "resolution", cursor=cursor)
        stmt = _pages[(pg, cursor)] = with_details(page, lateral=pg)
    return stmt


def state_of(
    row: Mapping[str, Any], as_of: dt.datetime, until: dict[int, dt.datetime]
) -> WorkState:
    if row["status"] == Status.SUPPLEMENT_REQUESTED:
        return "paused"
    if row["due_at"] < as_of:
        return "overdue"
    horizon = until.get(row["competent_unit_id"])
    return "due_soon" if horizon is not None and row["due_at"] <= horizon else "on_track"


def _officer(principal: Principal) -> int:
    """The caller's user id: the list is an officer's own (an API client has no steps)."""
    principal.require(MINE_RIGHT)
    if principal.kind != "user":
        raise Forbidden(
            "Chỉ cán bộ có danh sách việc của mình (only officers have a list of their own work)",
            code="not-an-officer",
        )
    return principal.id


async def my_work(
    session: AsyncSession,
    *,
    principal: Principal,
    as_of: dt.datetime,
    limit: int,
    cursor: str | None,
) -> WorklistPage[MyWork]:
    """One page of the caller's work in ``(due_at, id)`` order, each item with its state, and
    the counts per state over every page (``as_model()`` for the web page, ``as_json()`` for the
    API)."""
    me = _officer(principal)
    as_of = require_aware(as_of)
    pos = decode_position(cursor)
    pg = on_postgres(session)
    params: dict[str, Any] = {"handler_id": me, "limit": limit + 1}
    if pos is not None:
        params |= {"after_at": pos[0], "after_id": pos[1]}
    rows = await run(session, _page_statement(pg, pos is not None), params, pg=pg)
    more = len(rows) > limit
    rows = rows[:limit]
    everything = await run(session, STATES, {"handler_id": me}, pg=pg)
    competent = frozenset(r["competent_unit_id"] for r in everything)
    groups = await horizons(session, as_of, unit_ids=competent) if competent else []
    until = {uid: g.until for g in groups for uid in g.unit_ids}
    counted: Counter[str] = Counter(state_of(r, as_of, until) for r in everything)
    dicts = await worklists_rows.item_dicts(
        session, rows, as_of=as_of, personal=principal.can(PERSONAL_RIGHT)
    )
    for item, row in zip(dicts, rows, strict=True):
        item["state"] = state_of(row, as_of, until)
    last = rows[-1] if rows else None
    head = MyWork(
        items=[],
        next_cursor=encode_position(last["due_at"], last["id"]) if more and last else None,
        as_of=as_of,
        counts=MyWorkCounts(**{s: counted.get(s, 0) for s in MyWorkCounts.model_fields}),
    )
    return WorklistPage(head, dicts, MyWorkItem)
