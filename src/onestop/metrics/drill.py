"""Drill-down of the on-time report: the dossiers behind one count, same filters, paginated by
dossier id. They are selected from the dossier rows with ``rates.bucket_sql`` — the very function
the rollup applies — so the list adds up to the count. A Biểu 06 level group (``level_group``)
narrows the list to the subtrees of the unit's direct children in that group, as the report page's
group rows sum them."""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from onestop.catalog.models import Procedure
from onestop.catalog.snapshots import ScopeUnit
from onestop.core.errors import NotFound
from onestop.core.paging import ROW_ID, Page, decode_cursor, encode_cursor
from onestop.metrics import level_groups, periods
from onestop.metrics.ontime import rates
from onestop.metrics.periods import Period
from onestop.metrics.schemas import LevelGroup, OnTimeBucket, ReportDossier

D = periods.D
U = periods.U
P = Procedure.__table__

COLUMNS = (
    D.c.id,
    D.c.code,
    D.c.channel,
    D.c.status,
    D.c.received_at,
    D.c.due_at,
    D.c.finished_at,
    D.c.ended_at,
    D.c.supplement_count,
    D.c.late_flag,
    D.c.timing,
    P.c.code.label("procedure_code"),
    P.c.field,
    U.c.code.label("unit_code"),
)


def to_item(r: Any, column: int | None = None) -> ReportDossier:
    return ReportDossier(
        code=r["code"],
        procedure_code=r["procedure_code"],
        field=r["field"],
        competent_unit_code=r["unit_code"],
        channel=r["channel"],
        status=r["status"],
        received_at=r["received_at"],
        due_at=r["due_at"],
        finished_at=r["finished_at"],
        ended_at=r["ended_at"],
        supplement_count=r["supplement_count"],
        late_flag=bool(r["late_flag"]),
        bucket=rates.bucket_of(_Row(r)),
        column=column,
    )


class _Row:
    def __init__(self, r: Any) -> None:
        self.finished_at = r["finished_at"]
        self.due_at = r["due_at"]
        self.timing = r["timing"]
        self.late_flag = r["late_flag"]
        self.supplement_count = r["supplement_count"]


def after_id(cursor: str | None) -> int | None:
    values = decode_cursor(cursor, (ROW_ID,))
    return None if values is None else int(values[0])


async def procedure_id(session: AsyncSession, code: str | None) -> int | None:
    if code is None:
        return None
    pid = (await session.execute(select(P.c.id).where(P.c.code == code))).scalar_one_or_none()
    if pid is None:
        raise NotFound(
            f"Không có thủ tục mã {code} (unknown procedure {code})", code="unknown-procedure"
        )
    return int(pid)


def in_level_group(unit: ScopeUnit, group: LevelGroup) -> Any:
    """The competent unit lies in the subtree of a child of ``unit`` whose level is in ``group``
    ("other": in no named group), for a query joined to ``unit`` (paths are ``/1/5/9/``)."""
    child = U.alias("group_child")
    of_group = level_groups.in_group(child.c.level, group)
    return exists().where(
        and_(child.c.parent_id == unit.id, of_group, U.c.path.startswith(child.c.path))
    )


async def dossiers(
    session: AsyncSession,
    *,
    unit: ScopeUnit,
    p: Period,
    bucket: OnTimeBucket,
    procedure: str | None,
    field: str | None,
    limit: int,
    cursor: str | None,
    level_group: LevelGroup | None = None,
) -> Page[ReportDossier]:
    pid = await procedure_id(session, procedure)
    after = after_id(cursor)
    stmt = (
        select(*COLUMNS)
        .select_from(D.join(U, U.c.id == D.c.competent_unit_id).join(P, P.c.id == D.c.procedure_id))
        .where(D.c.finished_at >= p.start_at, D.c.finished_at < p.end_at, periods.in_subtree(unit))
        .order_by(D.c.id)
        .limit(limit + 1)
    )
    if bucket != "finished":
        stmt = stmt.where(rates.bucket_sql() == bucket)
    if pid is not None:
        stmt = stmt.where(D.c.procedure_id == pid)
    if field is not None:
        stmt = stmt.where(P.c.field == field)
    if level_group is not None:
        stmt = stmt.where(in_level_group(unit, level_group))
    if after is not None:
        stmt = stmt.where(D.c.id > after)
    rows = (await session.execute(stmt)).mappings().all()
    more = len(rows) > limit
    rows = rows[:limit]
    return Page[ReportDossier](
        items=[to_item(r) for r in rows],
        next_cursor=encode_cursor([rows[-1]["id"]]) if more else None,
    )
