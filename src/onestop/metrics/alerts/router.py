"""HTTP routes of the alert tasks: the open alerts and "apology needed" tasks of the caller's
units, and resolving one."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from onestop.auth.dependencies import CurrentPrincipal
from onestop.core import clock
from onestop.core.paging import Page
from onestop.http.deps import CursorQuery, LimitQuery, SessionDep
from onestop.metrics.alerts import tasks as alerts_tasks
from onestop.metrics.alerts.schemas import TaskKind, TaskRead, TaskResolve

router = APIRouter()


@router.get(
    "/tasks",
    tags=["tasks"],
    response_model=Page[TaskRead],
    summary="Open alerts and 'apology needed' tasks of the caller's units (most urgent first)",
)
async def list_tasks(
    session: SessionDep,
    principal: CurrentPrincipal,
    kind: Annotated[TaskKind | None, Query(description="Only tasks of this kind")] = None,
    include_resolved: Annotated[
        bool, Query(description="Also list the tasks already resolved")
    ] = False,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
) -> Page[TaskRead]:
    """The open alerts (due soon, overdue, late again) and "apology needed" tasks of the dossiers
    in the caller's units (leaders: their unit; managers and administrators: their subtree), most
    urgent first, optionally of one kind or with the resolved ones too, a page at a time
    (``next_cursor``). Requires ``report:view``."""
    return await alerts_tasks.list_tasks(
        session,
        principal=principal,
        kind=kind,
        include_resolved=include_resolved,
        limit=limit,
        cursor=cursor,
    )


@router.post(
    "/tasks/{task_id}/resolve",
    tags=["tasks"],
    response_model=TaskRead,
    summary="Mark a task or alert as handled (a leader of its unit, or a manager above it)",
)
async def resolve_task(
    session: SessionDep,
    principal: CurrentPrincipal,
    task_id: Annotated[int, Path(ge=1, le=2**62)],
    body: TaskResolve | None = None,
) -> TaskRead:
    """Mark a task or alert as handled, with an optional note; requires ``dossier:sign`` or
    ``report:close`` and the task's unit in the caller's scope. An unknown task answers 404, one
    already resolved 409."""
    return await alerts_tasks.resolve_task(
        session,
        principal=principal,
        task_id=task_id,
        note=body.note if body else None,
        now=clock.now(),
    )


__all__ = ["router"]
