"""Following up a "không hài lòng" rating: the unit's leader records what was done, which closes
the task (``report_followup_task``); and the count of tasks still open under a unit.

Only a leader of the task's unit (or above it, in scope) records the follow-up; a task already
closed is not closed twice (409, clear message)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from onestop.auth.principal import Principal
from onestop.auth.rights import Right
from onestop.catalog.snapshots import ScopeUnit
from onestop.core.errors import Conflict, InvalidInput, NotFound
from onestop.metrics import periods
from onestop.metrics.satisfaction.models import FollowupTask

FT = FollowupTask.__table__
U = periods.U
MAX_NOTE = 2000


async def open_count(session: AsyncSession, unit: ScopeUnit) -> int:
    """Tasks without a recorded follow-up for units of the subtree (the list is
    ``satisfaction.report.followups(open_only=True)``, same conditions)."""
    stmt = (
        select(func.count())
        .select_from(FT.join(U, U.c.id == FT.c.unit_id))
        .where(periods.in_subtree(unit), FT.c.resolved_at.is_(None))
    )
    return int((await session.execute(stmt)).scalar_one())


async def resolve(
    session: AsyncSession, *, principal: Principal, task_id: int, note: str, at: dt.datetime
) -> None:
    """Record the follow-up of task ``task_id`` and close it (commits)."""
    principal.require(Right.DOSSIER_SIGN)
    text = note.strip()
    if not text:
        raise InvalidInput(
            "Hãy ghi nội dung đã xử lý, trả lời công dân (the follow-up note is required)",
            code="followup-note-required",
        )
    if len(text) > MAX_NOTE:
        raise InvalidInput(
            f"Nội dung tối đa {MAX_NOTE} ký tự (the note is at most {MAX_NOTE} characters)",
            code="followup-note-too-long",
        )
    row = (
        await session.execute(
            select(FT.c.id, FT.c.resolved_at, U.c.path, U.c.code)
            .select_from(FT.join(U, U.c.id == FT.c.unit_id))
            .where(FT.c.id == task_id)
        )
    ).first()
    if row is None:
        raise NotFound(
            f"Không có việc theo dõi số {task_id} (unknown follow-up task)", code="unknown-task"
        )
    principal.require_unit(row.path, row.code)
    done = await session.execute(
        update(FollowupTask)
        .where(FollowupTask.id == task_id, FollowupTask.resolved_at.is_(None))
        .values(resolved_at=at, resolved_by=principal.name, resolution=text)
    )
    if getattr(done, "rowcount", 0) != 1:
        raise Conflict(
            f"Việc theo dõi số {task_id} đã được xử lý trước đó (the task is already closed)",
            code="task-already-closed",
        )
    await session.commit()
