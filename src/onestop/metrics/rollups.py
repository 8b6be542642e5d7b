"""Every rollup at once — on-time, Biểu 06 and ratings: where the stored sums and a
recomputation from the dossiers and ratings disagree, and a rebuild from scratch.

The rollups are kept exact in the transaction of each change (``onestop.wiring``); these are the
checks and the repair: ``onestop rollups verify`` (and its gauge on ``/metrics``) and
``onestop rollups rebuild`` (after bulk loads that bypassed the ORM, such as ``bench-data``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from onestop.metrics.bieu06 import rebuild as bieu06_rebuild
from onestop.metrics.models import RollupCheck
from onestop.metrics.ontime import rollup as ontime_rollup
from onestop.metrics.satisfaction import rollup as satisfaction_rollup

#: Differing cells kept in a check's sample (the CLI prints them all).
SAMPLE_CELLS = 50

#: Per rollup table, key → (stored, recomputed).
Differences = dict[str, dict[Any, Any]]


async def differences(session: AsyncSession) -> Differences:
    """Per table, the keys where a rollup and its recomputation disagree; empty when exact."""
    return (
        await ontime_rollup.differences(session)
        | await bieu06_rebuild.differences(session)
        | await satisfaction_rollup.differences(session)
    )


def cells(diff: Differences) -> int:
    """How many rollup cells differ."""
    return sum(len(keys) for keys in diff.values())


async def rebuild(session: AsyncSession) -> int:
    """Recompute every rollup in SQL; no commit. Returns the finest-grain on-time rows."""
    await bieu06_rebuild.rebuild(session)
    await satisfaction_rollup.rebuild(session)
    return await ontime_rollup.rebuild(session)


def describe(diff: Differences) -> list[str]:
    """One line per differing cell: table, key, stored and recomputed values."""
    return [
        f"{table} {list(key)}: stored {stored} recomputed {recomputed}"
        for table, keys in sorted(diff.items())
        for key, (stored, recomputed) in sorted(keys.items(), key=lambda kv: str(kv[0]))
    ]


async def verify(session: AsyncSession, *, at: dt.datetime) -> tuple[RollupCheck, Differences]:
    """Compare every rollup with its recomputation and record the outcome; no commit."""
    diff = await differences(session)
    check = RollupCheck(
        checked_at=at, differing_cells=cells(diff), sample=describe(diff)[:SAMPLE_CELLS]
    )
    session.add(check)
    await session.flush()
    return check, diff


async def last_check(session: AsyncSession) -> RollupCheck | None:
    stmt = select(RollupCheck).order_by(RollupCheck.checked_at.desc(), RollupCheck.id.desc())
    return (await session.execute(stmt.limit(1))).scalar_one_or_none()
