"""How long an ``Idempotency-Key`` is remembered: the worker forgets keys older than
``settings.idempotency_key_days`` (30 by default).

A client retries a request within seconds or hours; a portal that re-sends a dossier days later
is answered by its reference (a 409 naming the dossier already received), not by the key. Kept
for ever, the keys (each with its stored receipt) would grow as fast as the dossiers.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from onestop.dossiers.models import IdempotencyKey

#: Longest Idempotency-Key accepted (the documented route, the fast path and the service).
MAX_KEY_LENGTH = 255

BATCH = 5_000


async def forget_idempotency_keys(
    session: AsyncSession, *, before: dt.datetime, batch: int = BATCH
) -> int:
    """Delete the keys created before ``before``, oldest first, ``batch`` per transaction (short
    locks next to live intakes); how many were deleted. Keys are created in id order, so each
    batch is read from the front of the primary key."""
    total = 0
    while True:
        oldest = (
            select(IdempotencyKey.id)
            .where(IdempotencyKey.created_at < before)
            .order_by(IdempotencyKey.id)
            .limit(batch)
        )
        result = await session.execute(
            delete(IdempotencyKey).where(IdempotencyKey.id.in_(oldest.scalar_subquery()))
        )
        await session.commit()
        deleted = int(result.rowcount or 0)  # type: ignore[attr-defined]
        total += deleted
        if deleted < batch:
            return total
