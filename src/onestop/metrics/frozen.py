"""Frozen figures of closed periods: canonical JSON, its SHA-256, and the comparison with a
recomputation (shown side by side, never silently replaced)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

import orjson
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from onestop.catalog.snapshots import ScopeUnit
from onestop.metrics.models import ClosedPeriod
from onestop.metrics.periods import Period
from onestop.metrics.schemas import ClosedRef


def canonical(figures: dict[str, Any]) -> bytes:
    """Sorted keys, no whitespace, UTF-8; numbers that must stay exact are strings already."""
    return orjson.dumps(figures, option=orjson.OPT_SORT_KEYS)


def content_hash(figures: dict[str, Any]) -> str:
    return hashlib.sha256(canonical(figures)).hexdigest()


async def find(session: AsyncSession, kind: str, unit: ScopeUnit, p: Period) -> ClosedPeriod | None:
    return (
        await session.execute(
            select(ClosedPeriod).where(
                ClosedPeriod.kind == kind,
                ClosedPeriod.unit_id == unit.id,
                ClosedPeriod.date_from == p.start,
                ClosedPeriod.date_to == p.end,
            )
        )
    ).scalar_one_or_none()


async def matching(
    session: AsyncSession,
    kind: str,
    unit: ScopeUnit,
    p: Period,
    current: Callable[[], dict[str, Any]],
) -> ClosedRef | None:
    """The closed period with exactly this kind, unit and dates, and whether today's figures
    (``current()``, only built when there is one) differ from the frozen ones."""
    return compare(await find(session, kind, unit, p), current)


def compare(closed: ClosedPeriod | None, current: Callable[[], dict[str, Any]]) -> ClosedRef | None:
    """``matching`` once the closed period (if any) is read."""
    if closed is None:
        return None
    return ClosedRef(
        id=closed.id,
        content_hash=closed.content_hash,
        closed_at=closed.closed_at,
        differs=content_hash(current()) != content_hash(closed.figures),
    )
