"""Delivered messages are not kept for ever: at 1,000 status changes a second the national
portal's destination alone gains 86 million rows a day. The worker's integration pass removes
those delivered more than ``outbox_keep_days`` ago, a batch at a time, oldest first, and folds
what they said into ``outbox_delivered`` first (per destination and dossier: when it first and
last took a message, and the last one's ``seq``), in the same transaction. What reached a
destination is therefore the delivered messages still kept plus those folded rows (``reached``):
the sync state, indicator 1.4, the reconciliation and the next record's ``isUpdating`` read it so.
Nothing is written on the delivery's hot path; pending and dead messages are never removed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Table, case, delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from onestop.core.db import among, upsert
from onestop.integration.models import OutboxDelivered, OutboxMessage

M = OutboxMessage
DONE = cast("Table", OutboxDelivered.__table__)
#: Messages removed per statement, and statements per pass at most (the next pass goes on).
BATCH = 5_000
MAX_BATCHES = 20


@dataclass(frozen=True)
class Reached:
    """A destination took messages of a dossier: the last one when, and its ``seq``."""

    at: dt.datetime
    seq: int


async def reached(
    session: AsyncSession, dossier_ids: Collection[int], destination: str | None = None
) -> dict[tuple[str, int], Reached]:
    """Per (destination, dossier) of these dossiers that a destination took a message of."""
    kept = (
        select(M.destination, M.dossier_id, func.max(M.delivered_at), func.max(M.seq))
        .where(M.state == "delivered", among(session, M.dossier_id, dossier_ids))
        .group_by(M.destination, M.dossier_id)
    )
    folded = select(
        DONE.c.destination, DONE.c.dossier_id, DONE.c.last_delivered_at, DONE.c.last_seq
    ).where(among(session, DONE.c.dossier_id, dossier_ids))
    if destination is not None:
        kept = kept.where(M.destination == destination)
        folded = folded.where(DONE.c.destination == destination)
    out: dict[tuple[str, int], Reached] = {}
    for stmt in (folded, kept):
        for dest, dossier_id, at, seq in await session.execute(stmt):
            key = (str(dest), int(dossier_id))
            before = out.get(key)
            if before is None or int(seq) > before.seq:
                out[key] = Reached(at, int(seq))
    return out


async def _fold(session: AsyncSession, ids: Any) -> None:
    """Add the messages ``ids`` selects to what reached their destinations."""
    stmt = upsert(session.get_bind().dialect.name)(DONE).from_select(
        ["destination", "dossier_id", "first_delivered_at", "last_delivered_at", "last_seq"],
        select(
            M.destination,
            M.dossier_id,
            func.min(M.delivered_at),
            func.max(M.delivered_at),
            func.max(M.seq),
        )
        .where(M.id.in_(ids))
        .group_by(M.destination, M.dossier_id),
    )
    new = stmt.excluded
    await session.execute(
        stmt.on_conflict_do_update(
            index_elements=[DONE.c.destination, DONE.c.dossier_id],
            set_={
                "last_delivered_at": case(
                    (new.last_delivered_at > DONE.c.last_delivered_at, new.last_delivered_at),
                    else_=DONE.c.last_delivered_at,
                ),
                "last_seq": case(
                    (new.last_seq > DONE.c.last_seq, new.last_seq), else_=DONE.c.last_seq
                ),
            },
        )
    )


async def prune(
    session: AsyncSession,
    *,
    before: dt.datetime,
    batch: int = BATCH,
    max_batches: int = MAX_BATCHES,
) -> int:
    """Fold, then remove, the messages delivered before ``before``; commits each batch; how many
    were removed."""
    removed = 0
    for _ in range(max_batches):
        oldest = list(
            (
                await session.execute(
                    select(M.id)
                    .where(M.state == "delivered", M.delivered_at < before)
                    .order_by(M.delivered_at)
                    .limit(batch)
                )
            ).scalars()
        )
        if oldest:
            await _fold(session, oldest)
            await session.execute(
                delete(M).where(M.id.in_(oldest)).execution_options(synchronize_session=False)
            )
        await session.commit()
        removed += len(oldest)
        if len(oldest) < batch:
            break
    return removed
