"""What administrators see of outgoing messages and what they may do: the dead letters, replaying
one, the dossiers whose sync is failing, and one dossier's sync state per destination.

Everything is limited to the dossiers the caller may see (the scope of ``GET /api/v1/dossiers``);
a message outside it is answered as unknown. Replaying a dead letter puts it back as a fresh
pending message (attempts and retry window start again); the dossier's later messages, held back
behind it, follow once it is delivered. Until its next attempt the dossier stays in the failing
list as ``replaying``, with the answer that stopped it, so the administrator sees it go through.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from onestop.auth.principal import Principal
from onestop.auth.rights import Right
from onestop.core.errors import NotFound, RuleViolation
from onestop.core.paging import ROW_ID, Page, decode_cursor, encode_cursor
from onestop.dossiers import listing
from onestop.dossiers.access import unknown_dossier
from onestop.dossiers.models import Dossier, DossierEvent
from onestop.integration import feed, retention
from onestop.integration.models import OutboxCursor, OutboxMessage
from onestop.integration.schemas import FailingDossier, MessageRead, SyncState

M = OutboxMessage
C = OutboxCursor
FAILING = or_(M.state == "dead", and_(M.state == "pending", M.failing_since.is_not(None)))
#: A dead letter put back (``replay``, or a reconciliation), not tried since: it is pending, not
#: failing, and keeps the answer that stopped it (a delivery clears it; a failure sets
#: ``failing_since`` again).
REPLAYED = and_(M.state == "pending", M.failing_since.is_(None), M.last_error.is_not(None))


def _failing_state(m: OutboxMessage) -> str:
    if m.state == "dead":
        return "dead"
    return "failing" if m.failing_since is not None else "replaying"


def _read(m: OutboxMessage, code: str) -> MessageRead:
    return MessageRead(
        id=m.id,
        destination=m.destination,
        dossier=code,
        seq=m.seq,
        kind=m.kind,
        state=m.state,
        attempts=m.attempts,
        next_attempt_at=m.next_attempt_at,
        failing_since=m.failing_since,
        last_error=m.last_error,
        delivered_at=m.delivered_at,
        created_at=m.created_at,
    )


Scoped = Select[OutboxMessage, str]


async def _scoped(session: AsyncSession, principal: Principal, *where: Any) -> Scoped:
    principal.require(Right.INTEGRATION_MANAGE)
    stmt: Scoped = select(M, Dossier.code).join(Dossier, Dossier.id == M.dossier_id).where(*where)
    scope = await listing.scope_clause(session, principal)
    return stmt if scope is None else stmt.where(scope)


async def _page(
    session: AsyncSession, stmt: Scoped, limit: int, cursor: str | None
) -> tuple[list[Any], str | None]:
    after = decode_cursor(cursor, (ROW_ID,))
    if after is not None:
        stmt = stmt.where(M.id < after[0])
    rows = list((await session.execute(stmt.order_by(M.id.desc()).limit(limit + 1))).all())
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, encode_cursor([rows[-1][0].id]) if more and rows else None


async def dead_letters(
    session: AsyncSession, *, principal: Principal, limit: int, cursor: str | None
) -> Page[MessageRead]:
    """Dead messages, newest first."""
    stmt = await _scoped(session, principal, M.state == "dead")
    rows, next_cursor = await _page(session, stmt, limit, cursor)
    return Page[MessageRead](items=[_read(m, code) for m, code in rows], next_cursor=next_cursor)


def unknown_message(message_id: int) -> NotFound:
    return NotFound(
        f"Không có thông điệp số {message_id} (unknown message {message_id})",
        code="unknown-message",
    )


async def replay(
    session: AsyncSession, *, principal: Principal, message_id: int, now: dt.datetime
) -> MessageRead:
    """Put a dead letter back in the queue, due now."""
    stmt = await _scoped(session, principal, M.id == message_id)
    row = (await session.execute(stmt.with_for_update(of=M))).one_or_none()
    if row is None:
        raise unknown_message(message_id)
    m, code = row
    if m.state != "dead":
        raise RuleViolation(
            f"Thông điệp {message_id} không ở trạng thái lỗi cuối cùng"
            f" (message {message_id} is {m.state}, not dead)",
            code="not-dead-letter",
            state=m.state,
        )
    m.state = "pending"
    m.attempts = 0
    m.failing_since = None
    m.claimed_until = None
    m.next_attempt_at = now
    await session.commit()
    return _read(m, code)


async def failing(
    session: AsyncSession, *, principal: Principal, limit: int, cursor: str | None
) -> Page[FailingDossier]:
    """Dossiers whose next message keeps failing, is dead, or was replayed and waits for its next
    attempt (newest message first)."""
    stmt = await _scoped(session, principal, or_(FAILING, REPLAYED))
    rows, next_cursor = await _page(session, stmt, limit, cursor)
    items = [
        FailingDossier(
            dossier=code,
            destination=m.destination,
            state=_failing_state(m),
            failing_since=m.failing_since,
            attempts=m.attempts,
            last_error=m.last_error,
            message_id=m.id,
        )
        for m, code in rows
    ]
    return Page[FailingDossier](items=items, next_cursor=next_cursor)


async def sync_states(session: AsyncSession, dossier_id: int) -> list[SyncState]:
    """Per destination that has messages for the dossier or has taken one: ``synced`` (everything
    delivered and every event of the dossier forwarded), ``not_synced`` (messages waiting, or
    events the worker has not forwarded yet; none failing) or ``failing`` (since when, and why);
    ``synced_at``: when the destination last took one."""
    waiting = dict(
        (
            await session.execute(
                select(M.destination, func.count())
                .where(M.dossier_id == dossier_id, M.state != "delivered")
                .group_by(M.destination)
            )
        ).all()
    )
    reached = {
        destination: r.at
        for (destination, _d), r in (await retention.reached(session, [dossier_id])).items()
    }
    names = sorted(waiting.keys() | reached.keys())
    unforwarded = await _unforwarded(session, dossier_id, names)
    out = []
    for destination in names:
        pending = int(waiting.get(destination, 0))
        head = (
            await session.execute(
                select(M)
                .where(M.dossier_id == dossier_id, M.destination == destination, FAILING)
                .order_by(M.seq)
                .limit(1)
            )
        ).scalar_one_or_none()
        later = unforwarded[destination]
        state = "failing" if head is not None else "not_synced" if pending or later else "synced"
        out.append(
            SyncState(
                destination=destination,
                state=state,
                synced_at=reached.get(destination),
                failing_since=head.failing_since if head is not None else None,
                last_error=head.last_error if head is not None else None,
                pending=pending,
                unforwarded=later,
            )
        )
    return out


async def _unforwarded(
    session: AsyncSession, dossier_id: int, destinations: list[str]
) -> dict[str, int]:
    """Per destination, the dossier's events after its position in the feed: the worker has not
    looked at them yet (a status change has no message until it has)."""
    events = [
        feed.Position(int(txid), int(event_id))
        for txid, event_id in await session.execute(
            select(DossierEvent.txid, DossierEvent.id).where(DossierEvent.dossier_id == dossier_id)
        )
    ]
    positions = {
        name: feed.Position(int(txid), int(event_id))
        for name, txid, event_id in await session.execute(
            select(C.destination, C.after_txid, C.after_event_id).where(
                C.destination.in_(destinations)
            )
        )
    }
    return {
        name: sum(1 for at in events if at > positions.get(name, feed.START))
        for name in destinations
    }


async def visible_dossier_id(session: AsyncSession, principal: Principal, code: str) -> int:
    """The id of a dossier the caller may see (404 as for its detail)."""
    principal.require(Right.DOSSIER_VIEW)
    stmt = select(Dossier.id).where(Dossier.code == code)
    scope = await listing.scope_clause(session, principal)
    if scope is not None:
        stmt = stmt.where(scope)
    dossier_id = (await session.execute(stmt)).scalar_one_or_none()
    if dossier_id is None:
        raise unknown_dossier(code)
    return int(dossier_id)


async def dossier_sync(
    session: AsyncSession, *, principal: Principal, code: str
) -> list[SyncState]:
    """``GET /api/v1/dossiers/{code}/sync``: the dossier's sync state (404 as for its detail)."""
    return await sync_states(session, await visible_dossier_id(session, principal, code))
