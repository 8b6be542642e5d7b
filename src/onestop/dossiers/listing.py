"""``GET /api/v1/dossiers``: filters, the caller's unit scope and keyset pagination (newest first).

Index use: a unit filter probes ``(receiving_unit_id, id)`` / ``(competent_unit_id, id)`` /
``(current_unit_id, due_at) WHERE ended_at IS NULL``; ``overdue`` and ``due_before`` on open
dossiers use the ``ended_at IS NULL`` partial indexes; ``received_from/to`` uses
``ix_dossier_received_at``; ``q`` matches a code prefix or a part of the folded name
(``ix_dossier_code_pattern`` and the trigram index ``ix_dossier_applicant_trgm`` on PostgreSQL;
see ``_searched``), or an ID number exactly, through its keyed hash
(``ix_dossier_applicant_id_hash``).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, exists, false, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from onestop.auth.principal import Principal
from onestop.auth.rights import Right
from onestop.catalog import lookups
from onestop.catalog.models import Unit
from onestop.core import crypto
from onestop.core.errors import InvalidInput
from onestop.core.paging import ROW_ID, Page, decode_cursor, encode_cursor
from onestop.dossiers.access import client_paths
from onestop.dossiers.models import Dossier, DossierEvent, DossierStep
from onestop.dossiers.names import fold
from onestop.dossiers.reading import PERSONAL_RIGHT, late_to_accept_clause, summary
from onestop.dossiers.schemas import DossierSummary
from onestop.dossiers.states import Status
from onestop.worktime import TZ

UNIT_ROLES = ("any", "receiving", "competent", "current")


@dataclass(frozen=True)
class Filters:
    unit: str | None = None
    unit_role: str = "any"
    status: tuple[int, ...] = ()
    procedure: str | None = None
    channel: str | None = None
    received_from: dt.date | None = None
    received_to: dt.date | None = None
    due_before: dt.datetime | None = None
    overdue: bool | None = None
    late_to_accept: bool | None = None
    q: str | None = None
    #: The portal's own reference; an API client finds only the dossiers it submitted.
    portal_ref: str | None = None


def _like_escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _unit_match(unit_ids: Any, role: str) -> ColumnElement[bool]:
    d = Dossier
    parts = {
        "receiving": d.receiving_unit_id.in_(unit_ids),
        "competent": d.competent_unit_id.in_(unit_ids),
        "current": d.current_unit_id.in_(unit_ids),
    }
    if role != "any":
        return parts[role]
    steps = exists().where(DossierStep.dossier_id == d.id, DossierStep.unit_id.in_(unit_ids))
    return or_(*parts.values(), d.returning_unit_id.in_(unit_ids), steps)


async def scope_clause(session: AsyncSession, principal: Principal) -> ColumnElement[bool] | None:
    """None when the principal sees every dossier; else the condition on the dossier's units."""
    principal.require(Right.DOSSIER_VIEW)
    if principal.kind == "user":
        if principal.covers_whole_tree:
            return None
        if principal.sees_subtree() and principal.unit_path:
            subtree = select(Unit.id).where(
                Unit.path.like(_like_escape(principal.unit_path) + "%", escape="\\")
            )
            return _unit_match(subtree.scalar_subquery(), "any")
        return _unit_match([principal.unit_id], "any")
    paths = await client_paths(session, principal)
    if not paths:
        return false()
    subtree = select(Unit.id).where(
        or_(*[Unit.path.like(_like_escape(p) + "%", escape="\\") for p in paths])
    )
    return _unit_match(subtree.scalar_subquery(), "any")


def _portal_ref_match(principal: Principal, portal_ref: str) -> ColumnElement[bool]:
    """The dossier with this portal reference; for an API client, only if the client submitted
    it (the dossier's first event is the client's), so a reference never reveals another
    portal's dossier."""
    match = Dossier.portal_ref == portal_ref
    if principal.kind != "client":
        return match
    submitted = exists().where(
        DossierEvent.dossier_id == Dossier.id,
        DossierEvent.seq == 1,
        DossierEvent.actor == principal.actor,
    )
    return and_(match, submitted)


def _local_midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0), tzinfo=TZ).astimezone(dt.UTC)


async def build_query(
    session: AsyncSession, principal: Principal, f: Filters, now: dt.datetime
) -> Select[Any]:
    d = Dossier
    stmt = select(d)
    scope = await scope_clause(session, principal)
    if scope is not None:
        stmt = stmt.where(scope)
    if f.unit_role not in UNIT_ROLES:
        raise InvalidInput(
            f"unit_role phải là một trong {', '.join(UNIT_ROLES)} (invalid unit_role)",
            code="invalid-filter",
        )
    if f.unit is not None:
        unit = await lookups.unit_by_code(session, f.unit)
        stmt = stmt.where(_unit_match([unit.id], f.unit_role))
    if f.status:
        bad = [s for s in f.status if s not in {int(x) for x in Status}]
        if bad:
            raise InvalidInput(
                f"Mã trạng thái không hợp lệ: {bad} (status codes are 1–10)", code="invalid-filter"
            )
        stmt = stmt.where(d.status.in_(f.status))
    if f.procedure is not None:
        proc = await lookups.procedure_by_code(session, f.procedure)
        stmt = stmt.where(d.procedure_id == proc.id)
    if f.channel is not None:
        stmt = stmt.where(d.channel == f.channel)
    if f.portal_ref is not None:
        stmt = stmt.where(_portal_ref_match(principal, f.portal_ref))
    if f.received_from and f.received_to and f.received_from > f.received_to:
        raise InvalidInput(
            "received_from phải trước received_to (received_from is after received_to)",
            code="invalid-filter",
        )
    if f.received_from is not None:
        stmt = stmt.where(d.received_at >= _local_midnight(f.received_from))
    if f.received_to is not None:
        stmt = stmt.where(d.received_at < _local_midnight(f.received_to + dt.timedelta(days=1)))
    if f.due_before is not None:
        stmt = stmt.where(d.due_at < f.due_before)
    # "ended_at IS NULL" is the predicate of the open-dossier partial indexes
    overdue = and_(
        d.ended_at.is_(None), d.due_at < now, d.status != int(Status.SUPPLEMENT_REQUESTED)
    )
    if f.overdue is True:
        stmt = stmt.where(overdue)
    elif f.overdue is False:
        stmt = stmt.where(or_(d.ended_at.is_not(None), d.due_at.is_(None), ~overdue))
    late = late_to_accept_clause(d, now)
    if f.late_to_accept is True:
        stmt = stmt.where(late)
    elif f.late_to_accept is False:
        stmt = stmt.where(~late)
    if f.q:
        q = f.q.strip()
        folded = fold(q)
        conds: list[ColumnElement[bool]] = [d.code.like(_like_escape(q) + "%", escape="\\")]
        if folded:
            conds.append(d.applicant_search.like("%" + _like_escape(folded) + "%", escape="\\"))
        if ID_NUMBER.fullmatch(q):  # ID numbers are encrypted: found exactly by their keyed hash
            conds.append(d.applicant_id_hash == crypto.search_hash(q))
        stmt = stmt.where(or_(*conds))
    return stmt


#: A search text that is an ID number (CMND 9 digits, CCCD 12 digits).
ID_NUMBER = re.compile(r"\d{9}|\d{12}")

#: Ids (newest first) a text search reads in id order before it turns to its indexes.
SEARCH_WINDOW = 50_000


async def _newest(session: AsyncSession, stmt: Select[Any], n: int) -> list[Dossier]:
    return list((await session.execute(stmt.order_by(Dossier.id.desc()).limit(n))).scalars())


async def _searched(
    session: AsyncSession, stmt: Select[Any], top: int | None, n: int
) -> list[Dossier]:
    """A text search's page, newest first, in two reads that each stay short whatever the
    text. A common text ("nguyen") is found among the newest ``SEARCH_WINDOW`` dossiers, read in
    id order. A rare one (a full name, a mistyped code) is not: it is then looked up in the
    search indexes and sorted (ordering by ``id + 0`` keeps the planner off the id index, down
    which it would otherwise walk the whole table when it over-estimates the matches: 20 s at
    10 M dossiers for a name nobody has)."""
    if top is None:
        top = int((await session.execute(select(func.max(Dossier.id)))).scalar() or 0) + 1
    floor = top - SEARCH_WINDOW
    rows = await _newest(session, stmt.where(Dossier.id >= floor), n)
    if len(rows) < n and floor > 1:
        older = stmt.where(Dossier.id < floor).order_by((Dossier.id + 0).desc())
        rows += (await session.execute(older.limit(n - len(rows)))).scalars()
    return rows


async def list_dossiers(
    session: AsyncSession,
    *,
    principal: Principal,
    filters: Filters,
    limit: int,
    cursor: str | None,
    now: dt.datetime,
) -> Page[DossierSummary]:
    stmt = await build_query(session, principal, filters, now)
    after = decode_cursor(cursor, (ROW_ID,))
    if after is not None:
        stmt = stmt.where(Dossier.id < after[0])
    if filters.q:
        top = after[0] if after is not None else None
        rows = await _searched(session, stmt, top, limit + 1)
    else:
        rows = await _newest(session, stmt, limit + 1)
    more = len(rows) > limit
    rows = rows[:limit]
    personal = principal.can(PERSONAL_RIGHT)
    items = [DossierSummary(**await summary(session, d, personal=personal, now=now)) for d in rows]
    return Page[DossierSummary](
        items=items, next_cursor=encode_cursor([rows[-1].id]) if more and rows else None
    )
