"""The relay: turn the changes feed into outgoing messages, per destination.

One step reads the feed after the destination's stored position (``outbox_cursor``), inserts a
message for each event the destination hears about, and moves the position — all in one
transaction, so a crash leaves either both or neither. On PostgreSQL the step holds
``pg_advisory_xact_lock`` for its destination, so two workers relay one after the other, the
second from where the first stopped; ``UNIQUE (destination, event_id)`` with ``ON CONFLICT DO
NOTHING`` is the backstop (a relayed event is never a second message).
"""

from __future__ import annotations

import datetime as dt
import zlib
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Table, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from onestop.core.db import upsert
from onestop.integration import feed
from onestop.integration.destinations import Destination, Screening
from onestop.integration.models import OutboxCursor, OutboxMessage

MESSAGES = cast("Table", OutboxMessage.__table__)
CURSORS = cast("Table", OutboxCursor.__table__)
#: Events read per step.
BATCH = 500
#: Base of the advisory lock keys (one per destination).
LOCK_BASE = 6_000_000_100


@dataclass(frozen=True)
class RelayResult:
    read: int
    queued: int
    position: feed.Position


def lock_key(destination: str) -> int:
    return LOCK_BASE + zlib.crc32(destination.encode())


async def _lock(session: AsyncSession, destination: str) -> None:
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(
            text("SELECT pg_advisory_xact_lock(:key)"), {"key": lock_key(destination)}
        )


async def position_of(session: AsyncSession, destination: str) -> feed.Position:
    row = (
        await session.execute(
            select(OutboxCursor.after_txid, OutboxCursor.after_event_id).where(
                OutboxCursor.destination == destination
            )
        )
    ).one_or_none()
    return feed.START if row is None else feed.Position(int(row[0]), int(row[1]))


def _insert(session: AsyncSession) -> Any:
    return upsert(session.get_bind().dialect.name)


async def _save_position(
    session: AsyncSession, destination: str, position: feed.Position, now: dt.datetime
) -> None:
    values = {
        "destination": destination,
        "after_txid": position.txid,
        "after_event_id": position.event_id,
        "updated_at": now,
    }
    stmt = _insert(session)(CURSORS).values(values)
    stmt = stmt.on_conflict_do_update(
        index_elements=[CURSORS.c.destination],
        set_={k: stmt.excluded[k] for k in ("after_txid", "after_event_id", "updated_at")},
    )
    await session.execute(stmt)


async def start_at_end(session: AsyncSession, destination: str, now: dt.datetime) -> None:
    """Place a new destination at the end of the feed, so it hears only about later events (in
    the caller's transaction)."""
    await _save_position(session, destination, await feed.end(session), now)


def _message(destination: str, change: feed.Change, kind: str, now: dt.datetime) -> dict[str, Any]:
    return {
        "destination": destination,
        "dossier_id": change.dossier_id,
        "event_id": change.event_id,
        "seq": change.seq,
        "kind": kind,
        "state": "pending",
        "attempts": 0,
        "next_attempt_at": now,
        "created_at": now,
    }


async def queue(
    session: AsyncSession, destination: str, change: feed.Change, kind: str, now: dt.datetime
) -> bool:
    """Queue one message outside a relay step (a reconciliation); False when the event already
    has one for this destination (in the caller's transaction)."""
    stmt = (
        _insert(session)(MESSAGES)
        .values([_message(destination, change, kind, now)])
        .on_conflict_do_nothing(index_elements=[MESSAGES.c.destination, MESSAGES.c.event_id])
        .returning(MESSAGES.c.id)
    )
    return (await session.execute(stmt)).first() is not None


async def relay_step(
    session: AsyncSession, destination: Destination, *, now: dt.datetime, batch: int = BATCH
) -> RelayResult:
    """One step for one destination; commits. ``read < batch`` means the feed is drained."""
    name = destination.name
    await _lock(session, name)
    position = await position_of(session, name)
    changes = await feed.read(session, position=position, limit=batch)
    rows = []
    for change in changes:
        kind = destination.kind_of(change)
        if kind is not None:
            rows.append(_message(name, change, kind, now))
    queued = 0
    if rows and isinstance(destination, Screening):
        heard = await destination.screen(session, {row["dossier_id"] for row in rows})
        rows = [row for row in rows if row["dossier_id"] in heard]
    if rows:
        # One statement with the rows as parameters (compiled once and cached), not a VALUES
        # list of them: compiling a 500-row VALUES cost the worker a third of its time.
        stmt = (
            _insert(session)(MESSAGES)
            .on_conflict_do_nothing(index_elements=[MESSAGES.c.destination, MESSAGES.c.event_id])
            .returning(MESSAGES.c.id)
        )
        queued = len((await session.execute(stmt, rows)).all())
    if changes:
        position = changes[-1].position
        await _save_position(session, name, position, now)
    await session.commit()
    return RelayResult(read=len(changes), queued=queued, position=position)


async def relay(
    session: AsyncSession, destination: Destination, *, now: dt.datetime, batch: int = BATCH
) -> int:
    """Steps until the feed is drained; how many messages were queued."""
    queued = 0
    while True:
        result = await relay_step(session, destination, now=now, batch=batch)
        queued += result.queued
        if result.read < batch:
            return queued
