"""Worklist services: one page as JSON, or every matching row as CSV / XLSX. An ``as_of`` before
now is judged from the dossiers' history (``history``), later ones from their current state
(``statements``): the documented routes and the fast route both come here."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import orjson
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from onestop.auth.principal import Principal
from onestop.core import clock
from onestop.dossiers.reading import PERSONAL_RIGHT
from onestop.metrics.worklists import (
    export as worklists_export,
    history as worklists_history,
    query as worklists_query,
    rows as worklists_rows,
    statements as worklists_sql,
    steps as worklists_steps,
)
from onestop.metrics.worklists.export import Export, render, steps_table, too_many, worklist_table
from onestop.metrics.worklists.query import Filters, Kind
from onestop.metrics.worklists.schemas import StepWarningItem, StepWarnings, Worklist, WorklistItem

EXPORT_BATCH = 500
HeadT = TypeVar("HeadT", bound=BaseModel)


#: An ``as_of`` at most this old is "now": a request's default ``as_of`` is the instant it came
#: in, already a little in the past here, and the current state answers it (the replay of events
#: is for instants that are really past: it reads every candidate's history).
NOW_WINDOW = dt.timedelta(seconds=60)


def _past(as_of: dt.datetime) -> bool:
    return as_of < clock.now() - NOW_WINDOW


def source(as_of: dt.datetime) -> Any:
    """The module that answers a list at ``as_of``: its ``page`` and ``count``."""
    return worklists_history if _past(as_of) else worklists_sql


def step_source(as_of: dt.datetime) -> Any:
    """The function that answers a page of step warnings at ``as_of``."""
    return worklists_history.step_page if _past(as_of) else worklists_steps.page


async def worklist(
    session: AsyncSession,
    *,
    principal: Principal,
    kind: Kind,
    filters: Filters,
    as_of: dt.datetime,
    limit: int,
    cursor: str | None,
    total: bool = False,
) -> WorklistPage[Worklist]:
    """One page of a list (``as_model()`` for the web client, ``as_json()`` for the API)."""
    as_of = worklists_query.require_aware(as_of)
    r = await worklists_query.resolve(session, principal, filters)
    lists = source(as_of)
    rows, nxt = await lists.page(session, kind, r, as_of, limit=limit, cursor=cursor)
    items = await worklists_rows.item_dicts(
        session, rows, as_of=as_of, personal=principal.can(PERSONAL_RIGHT)
    )
    n = None
    if total:  # a first page without a next one is the whole list: no count needed
        whole = cursor is None and nxt is None
        n = len(items) if whole else await lists.count(session, kind, r, as_of)
    return WorklistPage(Worklist(items=[], next_cursor=nxt, kind=kind, as_of=as_of, total=n), items)


@dataclass(frozen=True)
class WorklistPage(Generic[HeadT]):
    """A page's head (``Worklist`` or ``MyWork`` without items) and its items as dicts of
    ``item_model`` (``WorklistItem``, ``MyWorkItem``)."""

    head: HeadT
    items: list[dict[str, Any]]
    item_model: type[BaseModel] = WorklistItem

    def as_model(self) -> HeadT:
        items = [self.item_model.model_validate(i) for i in self.items]
        return self.head.model_copy(update={"items": items})

    def as_json(self) -> bytes:
        """``as_model()``'s JSON, the items written without a model each (a page of 50 models
        cost more than its query); the same bytes (tests/metrics/test_worklists_json.py)."""
        body = self.head.model_dump(mode="json")
        body["items"] = orjson.Fragment(orjson.dumps(self.items))
        return orjson.dumps(body)


async def export_worklist(
    session: AsyncSession,
    *,
    principal: Principal,
    kind: Kind,
    filters: Filters,
    as_of: dt.datetime,
    fmt: str,
) -> Export:
    as_of = worklists_query.require_aware(as_of)
    r = await worklists_query.resolve(session, principal, filters)
    personal = principal.can(PERSONAL_RIGHT)
    everything: list[WorklistItem] = []
    cursor: str | None = None
    while True:
        rows, cursor = await source(as_of).page(
            session, kind, r, as_of, limit=EXPORT_BATCH, cursor=cursor
        )
        everything += await worklists_rows.items(session, rows, as_of=as_of, personal=personal)
        if len(everything) > worklists_export.MAX_ROWS:
            raise too_many()
        if cursor is None:
            break
    headers, body = worklist_table(kind, everything)
    return render(kind, fmt, as_of, headers, body)


async def step_warnings(
    session: AsyncSession,
    *,
    principal: Principal,
    filters: Filters,
    as_of: dt.datetime,
    limit: int,
    cursor: str | None,
) -> StepWarnings:
    as_of = worklists_query.require_aware(as_of)
    r = await worklists_query.resolve(session, principal, filters)
    items, nxt = await step_source(as_of)(
        session, r, as_of, limit=limit, cursor=cursor, personal=principal.can(PERSONAL_RIGHT)
    )
    return StepWarnings(items=items, next_cursor=nxt, as_of=as_of)


async def export_step_warnings(
    session: AsyncSession,
    *,
    principal: Principal,
    filters: Filters,
    as_of: dt.datetime,
    fmt: str,
) -> Export:
    as_of = worklists_query.require_aware(as_of)
    r = await worklists_query.resolve(session, principal, filters)
    personal = principal.can(PERSONAL_RIGHT)
    everything: list[StepWarningItem] = []
    cursor: str | None = None
    while True:
        items, cursor = await step_source(as_of)(
            session, r, as_of, limit=EXPORT_BATCH, cursor=cursor, personal=personal
        )
        everything += items
        if len(everything) > worklists_export.MAX_ROWS:
            raise too_many()
        if cursor is None:
            break
    headers, body = steps_table(everything)
    return render("step_warnings", fmt, as_of, headers, body)
