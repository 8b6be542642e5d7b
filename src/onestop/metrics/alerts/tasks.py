"""``GET /api/v1/tasks`` and ``POST /api/v1/tasks/{id}/resolve``: the alerts and "apology needed"
tasks of the caller's units (leaders: their unit; managers and admins: their subtree)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from onestop.auth import audit
from onestop.auth.principal import Principal
from onestop.auth.rights import Right
from onestop.catalog import lookups
from onestop.core.errors import Conflict, NotFound
from onestop.core.paging import Page
from onestop.dossiers.access import missing_right, require_covers
from onestop.dossiers.intake.prepare import unit_brief
from onestop.dossiers.models import Dossier
from onestop.metrics.alerts.models import Alert
from onestop.metrics.alerts.schemas import TaskRead
from onestop.metrics.worklists import query as worklists_query
from onestop.metrics.worklists.rows import procedure_ref

#: Leaders sign (and so handle their unit's tasks); managers and admins close reports.
RESOLVE_RIGHTS = (Right.DOSSIER_SIGN, Right.REPORT_CLOSE)


async def _read(session: AsyncSession, a: Alert, d: Dossier) -> TaskRead:
    return TaskRead(
        id=a.id,
        kind=a.kind,
        threshold_key=a.threshold_key,
        ref_at=a.ref_at,
        unit=unit_brief(await lookups.unit_by_id(session, a.unit_id)),
        dossier_code=d.code,
        dossier_status=d.status,
        procedure=await procedure_ref(session, d.procedure_id),
        due_at=d.due_at,
        appointment_at=d.appointment_at,
        created_at=a.created_at,
        resolved_at=a.resolved_at,
        resolved_by=a.resolved_by,
        resolution=a.resolution,
        note=a.note,
    )


async def list_tasks(
    session: AsyncSession,
    *,
    principal: Principal,
    kind: str | None,
    include_resolved: bool,
    limit: int,
    cursor: str | None,
) -> Page[TaskRead]:
    """Most urgent first (the instant the task is about, then id)."""
    principal.require(worklists_query.REPORT_RIGHT)
    ids = await worklists_query.units_in_scope(session, principal)
    stmt = select(Alert, Dossier).join(Dossier, Dossier.id == Alert.dossier_id)
    if not include_resolved:
        stmt = stmt.where(Alert.resolved_at.is_(None))
    if kind is not None:
        stmt = stmt.where(Alert.kind == kind)
    if ids is not None:
        stmt = stmt.where(worklists_query.in_ids(Alert.unit_id, ids))
    pos = worklists_query.decode_position(cursor)
    if pos is not None:
        stmt = stmt.where(worklists_query.after(Alert.ref_at, Alert.id, pos))
    rows = list(
        (await session.execute(stmt.order_by(Alert.ref_at, Alert.id).limit(limit + 1))).all()
    )
    more = len(rows) > limit
    rows = rows[:limit]
    items = [await _read(session, a, d) for a, d in rows]
    last = rows[-1][0] if rows else None
    nxt = worklists_query.encode_position(last.ref_at, last.id) if more and last else None
    return Page[TaskRead](items=items, next_cursor=nxt)


async def resolve_task(
    session: AsyncSession,
    *,
    principal: Principal,
    task_id: int,
    note: str | None,
    now: dt.datetime,
) -> TaskRead:
    if not any(principal.can(r) for r in RESOLVE_RIGHTS):
        raise missing_right(RESOLVE_RIGHTS[0])
    row = (
        await session.execute(
            select(Alert, Dossier)
            .join(Dossier, Dossier.id == Alert.dossier_id)
            .where(Alert.id == task_id)
        )
    ).first()
    if row is None:
        raise NotFound(f"Không có nhiệm vụ {task_id} (unknown task {task_id})", code="unknown-task")
    alert, dossier = row
    await require_covers(session, principal, await lookups.unit_by_id(session, alert.unit_id))
    if alert.resolved_at is not None:
        raise Conflict(
            f"Nhiệm vụ {task_id} đã được xử lý (task {task_id} is already resolved)",
            code="task-already-resolved",
            resolved_at=alert.resolved_at.isoformat(),
        )
    try:
        alert.resolved_at = now
        alert.resolved_by = principal.actor
        alert.resolution = "manual"
        alert.note = note
        audit.record(
            session,
            actor=principal.actor,
            action="resolve-task",
            object_type="dossier",
            object_id=dossier.code,
            detail={"task": alert.id, "kind": alert.kind, "threshold": alert.threshold_key},
        )
        await session.commit()
    except BaseException:
        await session.rollback()
        raise
    return await _read(session, alert, dossier)
