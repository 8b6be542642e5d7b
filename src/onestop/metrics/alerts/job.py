"""The worklist job: raise due-soon / overdue / late-again alerts and "apology needed" tasks for the
unit at fault, exactly once per dossier and threshold, and close the ones that no longer apply.

Idempotency: each candidate query leaves out dossiers that already have an alert of that kind for
the same instant (``NOT EXISTS``), and the insert is ``ON CONFLICT DO NOTHING`` on the unique key
``(dossier_id, kind, threshold_key)``, so a re-run, a restart or a second worker process racing on
PostgreSQL never raises an alert twice. On PostgreSQL a run also takes
``pg_try_advisory_xact_lock``: a second process that finds the lock taken skips the pass instead of
doing the same work. One pass is one transaction.

Thresholds (docs/rules.md §8.5): ``due_soon`` when ``now ≤ due_at ≤ now + due_soon_days`` working
days of the competent unit (the same window as ``GET /reports/due-soon``); ``apology_needed`` when
``due_at ≤ now + 1 working day`` and no apology is on record; ``overdue`` when ``due_at < now``;
``late_again`` when an apologised dossier is past its new appointment.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import ColumnElement, Table, exists, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from onestop.core.db import upsert
from onestop.dossiers.models import Dossier
from onestop.metrics.alerts.models import Alert
from onestop.metrics.worklists import query as worklists_query

#: Key of the advisory lock that lets one worker at a time run a pass (PostgreSQL).
LOCK_KEY = 6_000_000_006
BATCH = 1000
ALERTS = cast("Table", Alert.__table__)


@dataclass
class RunResult:
    raised: dict[str, int] = field(default_factory=dict)
    resolved: dict[str, int] = field(default_factory=dict)
    skipped: bool = False

    def summary(self) -> str:
        if self.skipped:
            return "skipped: another worker holds the lock"
        raised = ", ".join(f"{k}={v}" for k, v in self.raised.items())
        resolved = ", ".join(f"{k}={v}" for k, v in self.resolved.items())
        return f"raised {raised}; resolved {resolved}"


def threshold_key(kind: str, at: dt.datetime) -> str:
    return f"{kind}@{at.astimezone(dt.UTC).isoformat()}"


def _insert(session: AsyncSession) -> Any:
    return upsert(session.get_bind().dialect.name)


async def insert_alerts(session: AsyncSession, values: list[dict[str, Any]]) -> int:
    """``INSERT … ON CONFLICT (dossier_id, kind, threshold_key) DO NOTHING``; how many were new."""
    insert = _insert(session)
    raised = 0
    for start in range(0, len(values), BATCH):
        stmt = (
            insert(ALERTS)
            .values(values[start : start + BATCH])
            .on_conflict_do_nothing(
                index_elements=[ALERTS.c.dossier_id, ALERTS.c.kind, ALERTS.c.threshold_key]
            )
            .returning(ALERTS.c.id)
        )
        raised += len((await session.execute(stmt)).all())
    return raised


async def _raise(
    session: AsyncSession,
    kind: str,
    conditions: list[ColumnElement[bool]],
    ref: Any,
    now: dt.datetime,
) -> int:
    d = Dossier
    already = exists().where(Alert.dossier_id == d.id, Alert.kind == kind, Alert.ref_at == ref)
    stmt = (
        select(d.id, d.current_unit_id, d.competent_unit_id, ref)
        .where(*worklists_query.open_clause(), *conditions, ~already)
        .order_by(ref, d.id)
    )
    rows = (await session.execute(stmt)).all()
    values = [
        {
            "dossier_id": dossier_id,
            "kind": kind,
            "threshold_key": threshold_key(kind, at),
            "ref_at": at,
            "unit_id": current if current is not None else competent,
            "created_at": now,
        }
        for dossier_id, current, competent, at in rows
    ]
    return await insert_alerts(session, values)


async def _close(
    session: AsyncSession, resolution: str, conditions: list[ColumnElement[bool]], now: dt.datetime
) -> int:
    stmt = (
        update(ALERTS)
        .where(ALERTS.c.resolved_at.is_(None), *conditions)
        .values(resolved_at=now, resolved_by="system", resolution=resolution)
    )
    result: Any = await session.execute(stmt)
    return int(result.rowcount or 0)


def _dossier(*conditions: ColumnElement[bool]) -> ColumnElement[bool]:
    d = Dossier
    return exists().where(d.id == ALERTS.c.dossier_id, *conditions)


async def resolve_obsolete(session: AsyncSession, now: dt.datetime) -> dict[str, int]:
    """Close open alerts that no longer apply: the dossier ended, the apology came, the instant
    moved (a supplement paused the clock), or a due-soon alert was overtaken by the due instant."""
    d, a = Dossier, ALERTS.c
    due_kinds = ("due_soon", "apology_needed", "overdue")
    return {
        "closed": await _close(session, "closed", [_dossier(d.ended_at.is_not(None))], now),
        "apologized": await _close(
            session,
            "apologized",
            [a.kind == "apology_needed", _dossier(d.reappointment_count > 0)],
            now,
        ),
        "moved": await _close(
            session, "moved", [a.kind.in_(due_kinds), _dossier(d.due_at != a.ref_at)], now
        )
        + await _close(
            session, "moved", [a.kind == "late_again", _dossier(d.appointment_at != a.ref_at)], now
        ),
        "superseded": await _close(
            session, "superseded", [a.kind == "due_soon", _dossier(d.due_at < now)], now
        ),
    }


async def _locked(session: AsyncSession) -> bool:
    if session.get_bind().dialect.name != "postgresql":
        return True  # SQLite: one writer at a time anyway
    got = await session.execute(text("SELECT pg_try_advisory_xact_lock(:k)"), {"k": LOCK_KEY})
    return bool(got.scalar())


async def run_once(session: AsyncSession, *, now: dt.datetime) -> RunResult:
    """One pass as one transaction (committed)."""
    d = Dossier
    try:
        if not await _locked(session):
            await session.rollback()
            return RunResult(skipped=True)
        soon = await worklists_query.horizons(session, now)
        apology = await worklists_query.horizons(session, now, days=Decimal(1))
        result = RunResult()
        result.resolved = await resolve_obsolete(session, now)
        result.raised = {
            "due_soon": await _raise(
                session,
                "due_soon",
                [d.due_at >= now, worklists_query.horizon_clause(soon)],
                d.due_at,
                now,
            ),
            "apology_needed": await _raise(
                session,
                "apology_needed",
                [d.reappointment_count == 0, worklists_query.horizon_clause(apology)],
                d.due_at,
                now,
            ),
            "overdue": await _raise(session, "overdue", [d.due_at < now], d.due_at, now),
            "late_again": await _raise(
                session,
                "late_again",
                [d.reappointment_count > 0, d.appointment_at < now],
                d.appointment_at,
                now,
            ),
        }
        await session.commit()
    except BaseException:
        await session.rollback()
        raise
    return result
