"""The changes feed: every dossier event, in commit order, from a durable cursor — gap-free.

Order is ``(txid, id)``: the writing transaction's id, then the row id. A reader that walks it
must never step past a row that is not visible yet, or it would skip that row for ever once the
row commits. PostgreSQL hands out transaction ids when a transaction first writes, not when it
commits, so a transaction that started writing early can commit after a later one; the feed
therefore returns only rows whose ``txid`` is below the xmin of the current snapshot
(``pg_snapshot_xmin(pg_current_snapshot())``): every transaction below it has ended, so no row
can appear there any more. A transaction still writing holds the feed back (not its own rows
only) until it ends; one left open stalls the feed, never loses a row.

On SQLite ``txid`` is 0: writers run one at a time (one write transaction holds the database
until it commits), so a row's id is above every committed row's, and id order is commit order.

The cursor is opaque to clients: the base64 of ``[txid, id]`` (``core.paging``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, literal_column, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from onestop.auth.principal import Principal
from onestop.catalog.models import Unit
from onestop.core.errors import InvalidInput
from onestop.core.paging import ROW_ID, decode_cursor, encode_cursor
from onestop.core.schemas import invalid_field
from onestop.dossiers import listing
from onestop.dossiers.models import Dossier, DossierEvent
from onestop.integration.schemas import ChangeRead, ChangesPage

E = DossierEvent
#: The oldest transaction still running: rows below it can no longer appear (PostgreSQL).
SNAPSHOT_XMIN: ColumnElement[int] = literal_column(
    "pg_snapshot_xmin(pg_current_snapshot())::text::bigint"
)


@dataclass(frozen=True, order=True)
class Position:
    """A place in the feed: after the event ``(txid, event_id)``."""

    txid: int = 0
    event_id: int = 0

    def encode(self) -> str:
        return encode_cursor([self.txid, self.event_id])

    @classmethod
    def decode(cls, cursor: str | None, *, name: str = "after") -> Position:
        """The position a client's cursor names (the start without one); a cursor this feed did
        not write is a 422 naming the parameter."""
        try:
            values = decode_cursor(cursor, (ROW_ID, ROW_ID))
        except InvalidInput as exc:
            raise invalid_field(
                ("query", name),
                f"Con trỏ {name} không hợp lệ (invalid {name} cursor)",
                kind="invalid_cursor",
            ) from exc
        return cls() if values is None else cls(int(values[0]), int(values[1]))


START = Position()


@dataclass(frozen=True)
class Change:
    """One event as the feed gives it."""

    event_id: int
    txid: int
    dossier_id: int
    dossier: str
    seq: int
    type: str
    at: dt.datetime
    from_status: int | None
    to_status: int
    unit: str | None

    @property
    def position(self) -> Position:
        return Position(self.txid, self.event_id)


def after(position: Position) -> ColumnElement[bool]:
    return tuple_(E.txid, E.id) > tuple_(position.txid, position.event_id)


def settled(session: AsyncSession) -> list[ColumnElement[bool]]:
    """The rows no running transaction can still add to (nothing to add on SQLite)."""
    if session.get_bind().dialect.name == "postgresql":
        return [E.txid < SNAPSHOT_XMIN]
    return []


def _query(
    session: AsyncSession, position: Position, limit: int, scope: ColumnElement[bool] | None
) -> Select[*tuple[Any, ...]]:
    stmt: Select[*tuple[Any, ...]] = (
        select(
            E.id,
            E.txid,
            E.dossier_id,
            Dossier.code,
            E.seq,
            E.type,
            E.at,
            E.from_status,
            E.to_status,
            Unit.code,
        )
        .join(Dossier, Dossier.id == E.dossier_id)
        .outerjoin(Unit, Unit.id == E.unit_id)
        .where(after(position), *settled(session))
        .order_by(E.txid, E.id)
        .limit(limit)
    )
    return stmt if scope is None else stmt.where(and_(scope))


async def read(
    session: AsyncSession,
    *,
    position: Position,
    limit: int,
    scope: ColumnElement[bool] | None = None,
) -> list[Change]:
    """Up to ``limit`` settled events after ``position`` (within ``scope``, a condition on the
    dossier), in feed order."""
    rows = (await session.execute(_query(session, position, limit, scope))).all()
    return [Change(*row) for row in rows]


async def end(session: AsyncSession) -> Position:
    """The position after the last settled event (where a new reader starts to hear only what
    comes next)."""
    row = (
        await session.execute(
            select(E.txid, E.id)
            .where(*settled(session))
            .order_by(E.txid.desc(), E.id.desc())
            .limit(1)
        )
    ).one_or_none()
    return START if row is None else Position(int(row[0]), int(row[1]))


async def changes(
    session: AsyncSession, *, principal: Principal, cursor: str | None, limit: int
) -> ChangesPage:
    """``GET /api/v1/changes``: the events of the dossiers the caller may see (the scope of
    ``GET /api/v1/dossiers``). ``next_cursor`` is where to resume: after the last item, or the
    given position when nothing new has settled."""
    position = Position.decode(cursor)
    scope = await listing.scope_clause(session, principal)
    items = await read(session, position=position, limit=limit + 1, scope=scope)
    more = len(items) > limit
    items = items[:limit]
    last = items[-1].position if items else position
    return ChangesPage(
        items=[
            ChangeRead(
                event_id=c.event_id,
                dossier=c.dossier,
                seq=c.seq,
                type=c.type,
                at=c.at,
                from_status=c.from_status,
                to_status=c.to_status,
                unit=c.unit,
            )
            for c in items
        ],
        next_cursor=last.encode(),
        more=more,
    )
